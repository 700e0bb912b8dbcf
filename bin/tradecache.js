#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size=64 (MiB): a young generation big enough that the feed's writes, queued
// for its ~100 ms bulk window, die young instead of being copied and promoted by every minor GC
// (20-25 % less CPU per tick in `npm run bench market`). Node reads it only at start, so every
// launcher passes it: this line, the npm scripts, the Dockerfile and the systemd unit.
// Runs the built JavaScript in dist/: `npm ci` builds it (the `prepare` script), and the package
// ships it, so no TypeScript is compiled at run time.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
