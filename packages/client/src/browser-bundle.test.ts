// The browser path of @prism/client holds nothing Node-only: esbuild bundles src/index.ts for the
// browser (so `#default-transport` is the fetch transport), and the bundle runs in a bare vm context
// with only browser globals, where a client makes a Connect call through a stub fetch.
import { build, type BuildOptions, transform } from "esbuild";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import { describe, expect, it } from "vitest";

const entry = fileURLToPath(new URL("./index.ts", import.meta.url));

/** Bundles the client's source entry for `conditions` (the browser setup unless told otherwise). */
function bundle(conditions: string[]) {
  const options: BuildOptions = {
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    conditions,
    write: false,
    metafile: true,
    logLevel: "silent",
  };
  return build(options);
}

/** One request the stub fetch saw. */
interface SeenRequest {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: string;
}

describe("the browser bundle of @prism/client", () => {
  it("builds with the browser conditions and pulls in nothing Node-only", async () => {
    const result = await bundle(["@prism/source", "browser"]);
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.some((input) => input.endsWith("default-transport-web.ts"))).toBe(true);
    expect(inputs.filter((input) => input.includes("connect-node") || input.endsWith("default-transport-node.ts"))).toEqual([]);
    // The lean gRPC transport (node:http2) and @prism/wire are Node-only too.
    expect(inputs.filter((input) => input.includes("/transport/lean-grpc-transport") || input.includes("wire/src/"))).toEqual([]);
    // The Node-only login (@prism/client/login) and openid-client stay out; the token option is in.
    expect(inputs.filter((input) => input.includes("openid-client") || input.includes("/login/"))).toEqual([]);
    expect(inputs.some((input) => input.endsWith("auth/with-token.ts"))).toBe(true);
    const code = result.outputFiles?.[0]?.text ?? "";
    expect(code.length).toBeGreaterThan(0);
    expect(code).not.toMatch(/from\s*["']node:|import\(\s*["']node:|require\(\s*["']node:/);
    expect(code).not.toContain("connect-node");
  });

  it("fails when the node condition picks the Node transport (the check has teeth)", async () => {
    await expect(bundle(["@prism/source", "node"])).rejects.toThrow(/node:/);
  });

  it("creates a client and makes a Connect call in a context with only browser globals", async () => {
    const built = await bundle(["@prism/source", "browser"]);
    const { code } = await transform(built.outputFiles?.[0]?.text ?? "", { format: "iife", globalName: "PrismClientBundle" });
    const seen: SeenRequest[] = [];
    const stubFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((value, name) => {
        headers[name] = value;
      });
      const body =
        init?.body instanceof Uint8Array || ArrayBuffer.isView(init?.body)
          ? new TextDecoder().decode(init?.body as Uint8Array)
          : String(init?.body);
      seen.push({ url: String(input), method: init?.method, headers, body });
      return new Response("{}", { status: 200, headers: { "content-type": "application/json" } });
    };
    const browserGlobals = {
      fetch: stubFetch,
      Headers,
      Request,
      Response,
      AbortController,
      AbortSignal,
      TextEncoder,
      TextDecoder,
      URL,
      ReadableStream,
      DOMException,
      setTimeout,
      clearTimeout,
      console,
    };
    const context = createContext({ ...browserGlobals });
    // A browser's TextEncoder returns its own realm's Uint8Array; wrap Node's so protobuf-es's
    // `instanceof Uint8Array` checks see this context's class.
    runInContext(
      `const HostTextEncoder = TextEncoder;
      globalThis.TextEncoder = class TextEncoder {
        #host = new HostTextEncoder();
        get encoding() { return "utf-8"; }
        encode(text) { return new Uint8Array(this.#host.encode(text)); }
        encodeInto(text, target) { return this.#host.encodeInto(text, target); }
      };`,
      context,
    );
    runInContext(code, context);
    const script = `
      const client = PrismClientBundle.createPrismClient({ url: "http://proxy.example:8980" });
      client.kv.set("a", "hi").then(() => client.namespace);
    `;
    const namespace: unknown = await runInContext(script, context);
    expect(namespace).toBe("default");
    expect(runInContext("typeof process + typeof Buffer + typeof require", context)).toBe("undefinedundefinedundefined");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe("http://proxy.example:8980/prism.keyvalue.v1.KeyValueService/Set");
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(seen[0]?.headers["prism-namespace"]).toBe("default");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ key: "a", value: "aGk=" });

    // The registry too: a string filter compiled in the browser and sent as the typed Filter.
    const registry = `client.registry.enumeratePage('type = "sensor" and floor >= 2', { limit: 5 }).then((page) => page.totalCount)`;
    expect(await runInContext(registry, context)).toBe(0);
    expect(seen[1]?.url).toBe("http://proxy.example:8980/prism.registry.v1.RegistryService/Enumerate");
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual({
      filter: {
        and: {
          filters: [
            { condition: { field: "type", op: "COMPARISON_EQ", value: { stringValue: "sensor" } } },
            { condition: { field: "floor", op: "COMPARISON_GTE", value: { numberValue: 2 } } },
          ],
        },
      },
      limit: 5,
      includeMetadata: true,
    });
  });
});
