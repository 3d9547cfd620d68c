#!/usr/bin/env node
// Executable of the redis pattern: serves it as a Prism pattern process (see servePattern).
import { servePattern } from "@prism/pattern-sdk";
import { redisPattern } from "../redis-pattern.js";

await servePattern(redisPattern);
