// Sign-in state for user calls: an interceptor that sends the access token
// and exchanges the refresh token for a new pair before the access token
// expires, or once when the server rejects it.

import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";

import { AuthService, type CreateTokenResponse, type RefreshTokenResponse } from "./gen/origin/v1/auth_pb.js";

/** The tokens of a session, as `CreateToken` or `RefreshToken` returned them. */
export interface AuthTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires, in milliseconds since the epoch, by the local clock. */
  expiresAtMs: number;
  /** The access token's lifetime as the server set it, in milliseconds. */
  lifetimeMs: number;
}

export interface AuthSessionOptions {
  /**
   * Refresh when less than this much of the access token's lifetime is left,
   * in milliseconds. Capped at half the lifetime, so a short-lived token is
   * not refreshed on every call. Default 60,000.
   */
  refreshMarginMs?: number;
  /** The deadline of `CreateToken` and `RefreshToken` calls, in milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** Called with every new pair of tokens, for example to store the refresh token. */
  onTokens?: (tokens: AuthTokens) => void;
}

// Calls that carry credentials in their request and never need a bearer
// token; adding one would make a refresh call depend on itself.
const TOKEN_METHODS = new Set([
  "CreateToken",
  "CompleteSignIn",
  "RefreshToken",
  "CreateUser",
  "VerifyEmail",
  "SendVerificationCode",
]);

/**
 * The signed-in state of one user. Install `interceptor` on the transport of
 * the clients that should act as that user.
 */
export class AuthSession {
  /** An AuthService client on a transport without this session's interceptor. */
  readonly auth: Client<typeof AuthService>;
  readonly interceptor: Interceptor;

  private tokens: AuthTokens | undefined;
  private refreshing: Promise<string> | undefined;
  private readonly options: AuthSessionOptions;

  /** `transport` must not carry this session's own interceptor. */
  constructor(transport: Transport, options: AuthSessionOptions = {}) {
    this.auth = createClient(AuthService, transport);
    this.options = options;
    this.interceptor = (next) => async (request) => {
      const skip =
        request.header.has("authorization") ||
        (request.service.typeName === AuthService.typeName && TOKEN_METHODS.has(request.method.name));
      const token = skip ? undefined : await this.accessToken();
      if (token === undefined) {
        return next(request);
      }

      request.header.set("authorization", `Bearer ${token}`);
      try {
        return await next(request);
      } catch (error) {
        // A streaming request's messages may already be consumed, so only a
        // unary call is sent again.
        // NOTE: a stream rejected with Unauthenticated is not retried; the
        // token refresh before expiry is what keeps streams working.
        if (request.stream || !(error instanceof ConnectError) || error.code !== Code.Unauthenticated) {
          throw error;
        }
        request.header.set("authorization", `Bearer ${await this.refreshAfterRejection(token)}`);
        return await next(request);
      }
    };
  }

  /** The current tokens, or undefined when signed out. */
  get current(): AuthTokens | undefined {
    return this.tokens;
  }

  /**
   * Signs in with an email and password (`CreateToken`) and keeps the
   * tokens. For an account with a second factor the server returns a
   * challenge instead of tokens. That reply is returned as it is, and the
   * caller passes the tokens of the completed sign-in to `setTokens`.
   */
  async signIn(email: string, password: string): Promise<CreateTokenResponse> {
    const startedAt = Date.now();
    const response = await this.auth.createToken({ email, password }, { timeoutMs: this.timeoutMs });
    if (response.accessToken !== "") {
      this.setTokens(response, startedAt);
    }
    return response;
  }

  /**
   * Uses tokens obtained elsewhere, for example a refresh token stored by an
   * earlier run. `receivedAtMs` is when the reply that carried them was
   * requested; the access token's expiry is counted from then.
   */
  setTokens(
    response: Pick<CreateTokenResponse | RefreshTokenResponse, "accessToken" | "refreshToken" | "expiresIn">,
    receivedAtMs: number = Date.now(),
  ): void {
    const lifetimeMs = Number(response.expiresIn) * 1000;
    this.tokens = {
      accessToken: response.accessToken,
      refreshToken: response.refreshToken,
      expiresAtMs: receivedAtMs + lifetimeMs,
      lifetimeMs,
    };
    this.options.onTokens?.(this.tokens);
  }

  /** Ends the session on the server (`SignOut`) and drops the tokens. */
  async signOut(): Promise<void> {
    const token = await this.accessToken();
    this.tokens = undefined;
    if (token !== undefined) {
      await this.auth.signOut({}, { headers: { authorization: `Bearer ${token}` }, timeoutMs: this.timeoutMs });
    }
  }

  /**
   * Returns an access token that is not about to expire, refreshing it
   * first when needed, or undefined when signed out.
   */
  async accessToken(): Promise<string | undefined> {
    const tokens = this.tokens;
    if (tokens === undefined) {
      return undefined;
    }
    const marginMs = Math.min(this.options.refreshMarginMs ?? 60_000, tokens.lifetimeMs / 2);
    if (Date.now() < tokens.expiresAtMs - marginMs) {
      return tokens.accessToken;
    }
    return this.refresh();
  }

  /**
   * Exchanges the refresh token for a new pair (`RefreshToken`) and returns
   * the new access token. Concurrent callers share one exchange, because
   * each refresh token works only once. A rejected refresh token signs the
   * session out and the error is thrown.
   */
  refresh(): Promise<string> {
    this.refreshing ??= this.exchange().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async exchange(): Promise<string> {
    const tokens = this.tokens;
    if (tokens === undefined) {
      throw new ConnectError("not signed in: call signIn() first", Code.Unauthenticated);
    }

    const startedAt = Date.now();
    try {
      const response = await this.auth.refreshToken(
        { refreshToken: tokens.refreshToken },
        { timeoutMs: this.timeoutMs },
      );
      this.setTokens(response, startedAt);
      return response.accessToken;
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.Unauthenticated && this.tokens === tokens) {
        this.tokens = undefined;
      }
      throw error;
    }
  }

  // A call rejected the token `rejected`. When another call has replaced it
  // meanwhile, the replacement is used instead of spending another refresh.
  private async refreshAfterRejection(rejected: string): Promise<string> {
    if (this.refreshing !== undefined) {
      return this.refreshing;
    }
    const current = this.tokens?.accessToken;
    if (current !== undefined && current !== rejected) {
      return current;
    }
    return this.refresh();
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 10_000;
  }
}
