// A worker thread that fails as it starts: the pool must say so in one line, not hang.
throw new Error('boom at start');
