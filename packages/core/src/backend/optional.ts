// Importing a package that may be absent, with an error that says so.

/**
 * Imports `pkg` by a name the type checker does not resolve, so the code
 * compiles without it. Fails with "not installed" or the load error.
 */
export async function importOptional(pkg: string): Promise<void> {
  try {
    await import(pkg);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const missing = e.code === 'ERR_MODULE_NOT_FOUND';
    throw new Error(
      missing
        ? `${pkg} is not installed (npm install --no-save ` +
            `--allow-scripts=${pkg} ${pkg}@4.22.0)`
        : `${pkg} failed to load: ${e.message}`,
    );
  }
}
