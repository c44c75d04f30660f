// Vite's raw-text imports, used by tests to read repository files.
declare module '*?raw' {
  const text: string;
  export default text;
}
