// Unit tests of the Prism-to-NATS name mapping.
import { describe, expect, it } from "vitest";
import { durableName, resolveStreamName, resolveSubjectPrefix, subjectTopic, topicSubject } from "./nats-naming.js";

describe("nats naming", () => {
  it("defaults the subject prefix to prism.<namespace> and the stream to PRISM_<NAMESPACE>", () => {
    expect(resolveSubjectPrefix("", "orders-eu")).toBe("prism.orders-eu");
    expect(resolveSubjectPrefix("acme.events", "orders-eu")).toBe("acme.events");
    expect(resolveStreamName("", "orders-eu")).toBe("PRISM_ORDERS_EU");
    expect(resolveStreamName("EVENTS", "orders-eu")).toBe("EVENTS");
  });

  it("maps topics and filters level for level, and back", () => {
    expect(topicSubject("prism.default", "orders.*.created")).toBe("prism.default.orders.*.created");
    expect(topicSubject("prism.default", ">")).toBe("prism.default.>");
    expect(subjectTopic("prism.default", "prism.default.orders.eu")).toBe("orders.eu");
    expect(subjectTopic("prism.default", "elsewhere.x")).toBe("elsewhere.x");
  });

  it("names a group's durable consumer after the group and its filter", () => {
    const name = durableName("workers", "prism.default.jobs");
    expect(name).toMatch(/^workers_[0-9a-f]{10}$/);
    expect(durableName("workers", "prism.default.jobs")).toBe(name);
    expect(durableName("workers", "prism.default.jobs.>")).not.toBe(name);
  });
});
