#!/usr/bin/env node
// The installed `natter` command. Node >= 22.18 runs the TypeScript sources
// directly (type stripping); nothing is compiled.
import '../src/cli/main.ts';
