#!/usr/bin/env node
// Executable of the nats pattern: serves it as a Prism pattern process (see servePattern).
import { servePattern } from "@prism/pattern-sdk";
import { natsPattern } from "../nats-pattern.js";

await servePattern(natsPattern);
