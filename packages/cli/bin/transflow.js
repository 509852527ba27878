#!/usr/bin/env node
// Committed stub: npm links workspace bins before the `prepare` build runs, so the bin must exist first.
import "../dist/bundle/main.js";
