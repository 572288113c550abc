// HubSpot sandbox (tests layer): HubSpot's error bodies, built in one place.
// CRM/date-based APIs use the §14 shape {status:"error", message, correlationId, category, ...};
// the OAuth token endpoints use RFC 6749 plus HubSpot's legacy fields (§1.8); 429s use §13.
// Every helper returns {status, body, headers?}, the "answer" type the router sends.
import { randomUUID } from 'node:crypto';

export function answer(status, body, headers = {}) {
  return { status, body, headers };
}

export function crmError(status, category, message, extra = {}) {
  return answer(status, {
    status: 'error',
    message,
    correlationId: randomUUID(),
    category,
    ...extra,
  });
}

export const validation = (message, extra) => crmError(400, 'VALIDATION_ERROR', message, extra);

export const notFound = (message = 'resource not found') => crmError(404, 'OBJECT_NOT_FOUND', message);

export const routeNotFound = (method, path) =>
  // HubSpot answers unknown API routes with a bare 404 and an empty-ish body; we keep the
  // §14 shape so clients always get something parseable.
  crmError(404, 'OBJECT_NOT_FOUND', `No route matches ${method} ${path}`);

export const invalidAuth = () =>
  crmError(401, 'INVALID_AUTHENTICATION',
    'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
    { links: { 'api key': 'https://app.hubspot.com/l/api-key/', 'private-apps': 'https://app.hubspot.com/l/private-apps/' } });

export const expiredAuth = (expiredAtMs, nowMs) => {
  const ago = Math.max(0, Math.floor((nowMs - expiredAtMs) / 1000));
  return crmError(401, 'EXPIRED_AUTHENTICATION',
    `The OAuth token used to make this call expired ${ago} second(s) ago.`,
    { context: { expireTime: [new Date(expiredAtMs).toISOString()] } });
};

export const missingScopes = (scopes) =>
  crmError(403, 'MISSING_SCOPES',
    'This app hasn\'t been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.',
    {
      errors: [{
        message: `One or more of the following scopes are required.`,
        context: { requiredGranularScopes: [...scopes] },
      }],
      context: { missingScopes: [...scopes] },
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    });

export function rateLimited(policyName, requestId) {
  // §13: `message` names the policy that was hit.
  const message = {
    SECONDLY: 'You have reached your secondly limit.',
    DAILY: 'You have reached your daily limit.',
  }[policyName] ?? 'You have reached your ten_secondly_rolling limit.';
  return answer(429, {
    status: 'error',
    message,
    errorType: 'RATE_LIMIT',
    correlationId: randomUUID(),
    policyName,
    requestId: requestId || randomUUID(),
  });
}

// Token endpoint errors (§1.8). HubSpot's pages don't state the HTTP status; third parties
// report 400, and we use 400 for all of them, including invalid_client (RFC 6749 allows 401).
export function oauthError(error, legacyStatus, description) {
  return answer(400, {
    error,
    error_description: description,
    status: legacyStatus,
    message: description,
    correlationId: randomUUID(),
  });
}
