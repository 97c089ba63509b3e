#!/usr/bin/env node
// Runs the TypeScript entry point through tsx (resolved from this package, wherever it is run).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../provisioning/cli.ts');
process.exitCode = await main(process.argv.slice(2));
