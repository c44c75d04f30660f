// One JSON line per log record. Callers pass ids and counts only: never secrets, API keys or a pod's env.

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;
export type Logger = (level: LogLevel, message: string, fields?: LogFields) => void;

export const jsonLogger: Logger = (level, message, fields) => {
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

export const silentLogger: Logger = () => {};
