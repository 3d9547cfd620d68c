// The local npm registry's own process: verdaccio from its config file on a free port on
// 127.0.0.1. It reports the port to its parent over IPC and exits on SIGTERM or when the parent
// goes away, so no registry outlives the test.
import { runServer } from "verdaccio";

const [configFile] = process.argv.slice(2);
const server = await runServer(configFile);
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once("SIGTERM", shutdown);
process.once("disconnect", shutdown);
