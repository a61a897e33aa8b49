/** The parts of smtp-server's connection class the sink process adjusts (the package ships no types for this file). */
declare module 'smtp-server/lib/smtp-connection.js' {
  export class SMTPConnection {
    init(): void;
    connectionReady(next?: () => void): void;
    _setListeners(callback: () => void): void;
  }
}
