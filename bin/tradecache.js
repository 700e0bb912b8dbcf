#!/usr/bin/env node
// Runs the built JavaScript in dist/: `npm ci` builds it (the `prepare` script), and the package
// ships it, so no TypeScript is compiled at run time.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
