// Imported first by bench/run.ts and bench/soak.ts: the server's logger reads the level when its module loads.
process.env.ISLE_LOG_LEVEL ??= 'silent';
