// Every error the service raises to a caller, with a stable machine-readable code. The error handler
// (plugins/error-handler.ts) turns an AppError into application/problem+json; anything else is a 500
// whose body says nothing about internals.

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `email` or `body.gender`. Never the value. */
  path: string;
  message: string;
}

interface Definition {
  status: number;
  title: string;
}

/** The catalogue. Codes are public (bff-api.md): add, never rename. */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed' },
  BAD_REQUEST: { status: 400, title: 'Malformed request' },
  CORS_PREFLIGHT_INVALID: { status: 400, title: 'Invalid CORS preflight request' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timed out' },
  URI_TOO_LONG: { status: 414, title: 'URI too long' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request header fields too large' },
  INVALID_JSON: { status: 400, title: 'Request body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  BODY_TOO_LARGE: { status: 413, title: 'Request body too large' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  // issue 18 part 3: with SHOPS_FILE, a host (or path prefix) no shop claims.
  SHOP_UNKNOWN: { status: 404, title: 'Unknown shop' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CSRF_REJECTED: { status: 403, title: 'Cross-site request rejected' },
  CLIENT_UNKNOWN: { status: 401, title: 'Unknown client key' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  SESSION_MISSING: { status: 401, title: 'No session' },
  SESSION_EXPIRED: { status: 401, title: 'Session expired' },
  SESSION_NOT_FOUND: { status: 404, title: 'Session not found' },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials' },
  EMAIL_TAKEN: { status: 409, title: 'E-mail address already registered' },
  REGISTRATION_IN_PROGRESS: { status: 409, title: 'Registration already in progress' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  REDIRECT_NOT_ALLOWED: { status: 400, title: 'Redirect target not allowed' },
  RESET_HASH_INVALID: { status: 400, title: 'Password reset link invalid or expired' },
  MAGIC_LINK_INVALID: { status: 400, title: 'Magic link invalid, expired or used' },
  PROVIDER_UNKNOWN: { status: 404, title: 'Unknown login provider' },
  SOCIAL_STATE_INVALID: { status: 400, title: 'Social login state invalid' },
  SOCIAL_CODE_INVALID: { status: 400, title: 'Social login code invalid' },
  UPSTREAM_BAD_RESPONSE: { status: 502, title: 'Bad response from the authentication service' },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'Authentication service unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'Authentication service timed out' },
  SESSION_STORE_UNAVAILABLE: { status: 503, title: 'Session store unavailable' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  INTERNAL_ERROR: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, Definition>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AppErrorOptions {
  /** Safe, human-readable detail for the caller. Never include input values or secrets. */
  detail?: string;
  errors?: FieldIssue[];
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** Underlying error, kept for logs only; never serialised to the caller. */
  cause?: unknown;
  /** Clear the session cookie on the way out (the session is gone). */
  clearSession?: boolean;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldIssue[] | undefined;
  readonly headers: Record<string, string>;
  readonly clearSession: boolean;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const def: Definition = ERROR_CODES[code];
    super(options.detail ?? def.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = def.status;
    this.title = def.title;
    this.detail = options.detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.clearSession = options.clearSession ?? false;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** The problem+json body. `type` is a stable URN per code so clients can switch on either. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: FieldIssue[];
  request_id: string;
}

export function toProblem(error: AppError, requestId: string): ProblemBody {
  const body: ProblemBody = {
    type: `urn:scayle-auth-bff:error:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: error.title,
    status: error.status,
    code: error.code,
    request_id: requestId,
  };
  if (error.detail !== undefined) body.detail = error.detail;
  if (error.errors !== undefined) body.errors = error.errors;
  return body;
}
