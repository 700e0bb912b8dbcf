/**
 * Freezes plain objects and arrays recursively, so a shared value (the config, a cached entry
 * handed to many callers) cannot be changed by one of them. Typed arrays and Buffers cannot be
 * frozen and are left as they are; an already frozen value is not walked again.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) {
    return value;
  }
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}
