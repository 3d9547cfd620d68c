#!/usr/bin/env node
// Executable of the memstore pattern: serves it as a Prism pattern process (see servePattern).
import { servePattern } from "@prism/pattern-sdk";
import { memstorePattern } from "../memstore-pattern.js";

await servePattern(memstorePattern);
