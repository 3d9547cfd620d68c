// What the client's filters mean on the server: JSON and string filters compiled by the client, then by the
// SDK's compileFilter (what every pattern runs), select the expected identities from a small fleet.
import { compileFilter } from "@prism/pattern-sdk/host";
import { describe, expect, it } from "vitest";
import { type RegistryFilter, toFilter } from "./to-filter.js";

const fleet: Record<string, Record<string, string | number | boolean | string[]>> = {
  "device-1": { type: "sensor", floor: 1, zone: "a", tags: ["temp"], online: true },
  "device-2": { type: "sensor", floor: 2, zone: "b", tags: ["temp", "humidity"], online: false },
  "device-3": { type: "sensor", floor: 3, zone: "a", tags: [] },
  "device-4": { type: "camera", floor: 2, zone: "c", tags: ["x"], online: true },
  "gateway-1": { type: "gateway", floor: "2", zone: "a" },
};

/** The identities of the fleet `filter` selects on the server. */
function select(filter: RegistryFilter): string[] {
  const compiled = compileFilter(toFilter(filter), { maxFilterDepth: 5, maxFilterLeaves: 20 });
  return Object.entries(fleet)
    .filter(([identity, metadata]) => compiled.matches(identity, metadata))
    .map(([identity]) => identity);
}

const cases: [RegistryFilter, RegistryFilter, string[]][] = [
  [{ type: "sensor", floor: { $gte: 2 } }, 'type = "sensor" and floor >= 2', ["device-2", "device-3"]],
  [
    { type: "sensor", floor: { $gte: 2 }, $or: [{ zone: "a" }, { tags: { $contains: "x" } }] },
    'type = "sensor" and floor >= 2 and (zone = "a" or tags contains "x")',
    ["device-3"],
  ],
  [{ floor: 2 }, "floor = 2", ["device-2", "device-4"]],
  [{ floor: "2" }, 'floor = "2"', ["gateway-1"]],
  [{ floor: { $ne: 2 } }, "floor != 2", ["device-1", "device-3", "gateway-1"]],
  [{ floor: { $lt: 2 } }, "floor < 2", ["device-1"]],
  [{ zone: { $in: ["a", "c"] } }, 'zone in ["a", "c"]', ["device-1", "device-3", "device-4", "gateway-1"]],
  [{ zone: { $nin: ["a"] } }, 'zone not in ["a"]', ["device-2", "device-4"]],
  [{ tags: { $contains: "temp" } }, 'tags contains "temp"', ["device-1", "device-2"]],
  [{ tags: ["temp", "humidity"] }, 'tags = ["temp", "humidity"]', ["device-2"]],
  [{ online: { $exists: false } }, "online not exists", ["device-3", "gateway-1"]],
  [{ online: true }, "online = true", ["device-1", "device-4"]],
  [{ identity: { $prefix: "gateway-" } }, 'identity prefix "gateway-"', ["gateway-1"]],
  [{ identity: { $suffix: "-1" } }, 'identity suffix "-1"', ["device-1", "gateway-1"]],
  [{ $not: { type: "sensor" } }, 'not type = "sensor"', ["device-4", "gateway-1"]],
  [{ zone: { $gt: "a", $lte: "c" } }, 'zone > "a" and zone <= "c"', ["device-2", "device-4"]],
  [{}, "", Object.keys(fleet)],
  [{ $or: [] }, "not identity exists", []],
];

describe("client filters on the server", () => {
  it.each(cases)("%j and its string form select the same identities", (json, text, expected) => {
    expect(select(json)).toEqual(expected);
    expect(select(text)).toEqual(expected);
  });
});
