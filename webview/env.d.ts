// Module types for the webview bundles (esbuild.js loads .css files as text).
declare module '*.css' {
  const text: string;
  export default text;
}

/** The API VS Code gives a webview page (once). */
declare function acquireVsCodeApi<State = unknown>(): {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
};
