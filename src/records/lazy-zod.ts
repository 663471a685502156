/**
 * zod, loaded on first use instead of at start-up.
 *
 * zod's classic API is ~750 KB of JavaScript: compiling it and building the record
 * schemas cost ~40 ms, the largest share of a CLI start, and a read (`list-prds`,
 * `show`, the git hooks' `refresh`) never validates anything. So nothing imports zod's
 * code at module load: the record schemas are built by a function that receives zod
 * (`registry.ts`), called the first time a schema is used (the first write, or the first
 * property read of an exported schema such as `PrdSchema`). Validation is synchronous,
 * so zod is loaded with `require` (its CommonJS build, from the `zod` dependency),
 * unless a process that imports zod anyway hands its instance over first (`adoptZod`).
 */
import { createRequire } from 'node:module';
import type { z } from 'zod';

export type Zod = typeof z;

let loaded: Zod | undefined;

/** The zod namespace (`z`), loaded on the first call. */
function loadZod(): Zod {
  return (loaded ??= (createRequire(import.meta.url)('zod') as { z: Zod }).z);
}

/**
 * Makes the record schemas use `z`, an instance of zod the process already loaded with
 * `import` (the MCP server, whose SDK imports zod's ES module build), so that zod is
 * not loaded a second time through `require`. No effect once zod is loaded.
 */
export function adoptZod(z: Zod): void {
  loaded ??= z;
}

/** `build(z)` run once, on the first call of the returned function. */
export function onFirstUse<T>(build: (z: Zod) => T): () => T {
  let value: T | undefined;
  let done = false;
  return () => {
    if (!done) {
      value = build(loadZod());
      done = true;
    }
    return value as T;
  };
}

/**
 * An object that stands for `load()`'s result and calls `load` only when first used:
 * every property read, `in`, `Object.keys`, `instanceof` (through the prototype) goes to
 * the real object. Used for the exported schemas (`PrdSchema` …), which must exist as
 * values at import time. zod's methods are closures over their schema (`schema.parse`
 * does not use `this`), so they behave exactly as on the real schema; only identity
 * differs (`PrdSchema !== <the real schema>`), which nothing compares.
 */
export function lazyObject<T extends object>(load: () => T): T {
  return new Proxy({} as T, {
    get: (_target, key) => {
      const real = load();
      return Reflect.get(real, key, real);
    },
    set: (_target, key, value) => Reflect.set(load(), key, value),
    has: (_target, key) => Reflect.has(load(), key),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      // A proxy may not report a property of its (empty) target as non-configurable.
      if (descriptor !== undefined) descriptor.configurable = true;
      return descriptor;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(load()),
    defineProperty: (_target, key, descriptor) => Reflect.defineProperty(load(), key, descriptor),
    deleteProperty: (_target, key) => Reflect.deleteProperty(load(), key),
  });
}
