// End to end: `prismctl registry` on a real proxy's memstore registry: identities registered (and one listening)
// with @prism/client, then listed with JSON and string filters, read one by one, and multicast to with
// per-identity statuses, through the built prismctl.
import { createPrismClient, type PrismClient, type Registration, type RegistryListener } from "@prism/client";
import { type ProxyProcess, startProxyProcess } from "@prism/proxy/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPrismctlProcesses, prismctlAt, requireBuiltPrismctl } from "./support/prismctl-process.js";

let proxy: ProxyProcess;
let client: PrismClient;
const registrations: Registration[] = [];
let listener: RegistryListener;

beforeAll(async () => {
  requireBuiltPrismctl();
  proxy = await startProxyProcess({ config: { namespaces: { default: { registry: { backend: "memstore" } } } } });
  client = createPrismClient({ url: proxy.url });
  registrations.push(
    await client.registry.register("thermo-1", { type: "sensor", floor: 1 }, { ttlMs: 600_000 }),
    await client.registry.register("thermo-2", { type: "sensor", floor: 2, tags: ["temp", "east"] }, { ttlMs: 600_000 }),
    await client.registry.register("lamp-1", { type: "actuator", floor: 2 }, { ttlMs: 600_000 }),
  );
  listener = client.registry.listen("thermo-2");
  await listener.ready;
});
afterAll(async () => {
  killPrismctlProcesses();
  listener?.close();
  await Promise.all(registrations.map((registration) => registration.close()));
  await proxy?.stop();
});

const { cli } = prismctlAt(() => proxy.url);

describe("prismctl registry", () => {
  it("lists identities matching a JSON or a string filter, in identity order", async () => {
    const all = await cli(["registry", "list"]);
    expect(all.code).toBe(0);
    expect((JSON.parse(all.stdout) as { identity: string }[]).map((each) => each.identity)).toEqual(["lamp-1", "thermo-1", "thermo-2"]);

    const json = await cli(["registry", "list", '{"type": "sensor", "floor": {"$gte": 2}}']);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        identity: "thermo-2",
        metadata: { type: "sensor", floor: 2, tags: ["temp", "east"] },
        registeredAt: expect.any(String),
        expiresAt: expect.any(String),
      },
    ]);

    const text = await cli(["registry", "list", "floor = 2", "--no-metadata", "--limit", "1"]);
    expect(JSON.parse(text.stdout)).toEqual([
      { identity: "lamp-1", metadata: {}, registeredAt: expect.any(String), expiresAt: expect.any(String) },
    ]);

    const table = await cli(["registry", "list", "type = 'sensor'", "--no-json"]);
    expect(table.stdout.split("\n").map((line) => line.split(/\s{2,}/))).toEqual([
      ["IDENTITY", "METADATA", "EXPIRES"],
      ["thermo-1", 'type="sensor" floor=1', expect.stringMatching(/^in \d+m/)],
      ["thermo-2", 'type="sensor" floor=2 tags=["temp","east"]', expect.stringMatching(/^in \d+m/)],
      [""],
    ]);
  });

  it("refuses a malformed filter with exit 2, naming the problem", async () => {
    const json = await cli(["registry", "list", '{"floor": {"$gte": true}}']);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/floor: \$gte expects a number or a string.*\(INVALID_ARGUMENT\)\n$/);
    const text = await cli(["registry", "list", "floor >="]);
    expect(text.code).toBe(2);
    expect((await cli(["registry", "list", "{oops"])).stderr).toMatch(/filter: not valid JSON/);
  });

  it("gets one identity, and exits 3 for one that is not registered", async () => {
    const found = await cli(["registry", "get", "thermo-1"]);
    expect(JSON.parse(found.stdout)).toMatchObject({ identity: "thermo-1", metadata: { type: "sensor", floor: 1 } });
    const missing = await cli(["registry", "get", "ghost"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe('prismctl: registry get "ghost": not registered in namespace "default" (or its registration expired)\n');
  });

  it("multicasts to a filter and prints every target's status; the listener gets the payload", async () => {
    const messages = listener[Symbol.asyncIterator]();
    const result = await cli(["registry", "multicast", '{"type": "sensor"}', "recalibrate", "--metadata", "by=cli", "--wait", "5000"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      targetCount: 2,
      deliveredCount: 1,
      statuses: [
        { identity: "thermo-1", status: "NOT_LISTENING", message: expect.any(String) },
        { identity: "thermo-2", status: "DELIVERED", message: "" },
      ],
    });
    const delivery = await messages.next();
    expect(delivery.done).toBe(false);
    if (!delivery.done) {
      expect(new TextDecoder().decode(delivery.value.payload)).toBe("recalibrate");
      expect(delivery.value.metadata).toEqual({ by: "cli" });
    }

    const human = await cli(["registry", "multicast", "identity = 'thermo-2'", "--no-json"], { input: "from stdin" });
    expect(human.stdout).toMatch(/^delivered to 1 of 1 identity\nIDENTITY\s+STATUS\s+MESSAGE\nthermo-2\s+DELIVERED\n$/);
    const second = await messages.next();
    if (!second.done) expect(new TextDecoder().decode(second.value.payload)).toBe("from stdin");
  });
});
