// What npm test installs on the machine (scripts/system-requirements.cjs, plain CommonJS so that it runs
// before node_modules exists), typed for the tests that need it. Such a test fails, naming the missing
// package and the command that installs it, where the package is not there.

interface SystemPackage {
  name: string;
  why: string;
  present(): boolean;
}

export interface SystemRequirements {
  SYSTEM_PACKAGES: SystemPackage[];
  chromiumPath(): string;
  swiftshaderIcd(): string;
  missingSystemPackages(names: string[]): SystemPackage[];
  missingMessage(missing: SystemPackage[], context: string): string;
  testPython(): string;
  pythonProblem(python?: string): string | undefined;
  pythonInstallCommand(): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const requirements: SystemRequirements = require('../../scripts/system-requirements.cjs');

/** Throws, naming each missing package, what it is for and the command, unless `names` are installed. */
export function requirePackages(names: string[], context: string): void {
  const missing = requirements.missingSystemPackages(names);
  if (missing.length) throw new Error(`${requirements.missingMessage(missing, context)} (or run npm test as root, which installs them)`);
}
