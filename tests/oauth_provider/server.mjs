// A real OAuth 2.0 authorization server for the tests: panva's oidc-provider, mounted at /oidc on
// a free 127.0.0.1 port, issuing JWT access tokens by the client credentials grant.
//
// Usage: node server.mjs <folder holding node_modules> [port] (settings in the environment, see
// below; port 0 or none takes a free one). It prints one line, "listening <port>", once it
// listens; the issuer is
// http://127.0.0.1:<port>/oidc (a path, because Ralph writes its issuer URI with pydantic,
// which turns a bare host into "host/" and the discovery address into "host//.well-known/...").
//
// Environment:
//   NTS_OAUTH_AUDIENCE       the one resource server (RFC 8707 resource indicator) = Ralph's audience
//   NTS_OAUTH_SCOPE          the scopes that resource server grants (space-separated)
//   NTS_OAUTH_CLIENTS        JSON list of {"id", "secret", "ttl"}: clients allowed the grant, each
//                            authenticating with HTTP basic (RFC 6749 section 2.3.1), whose tokens
//                            live "ttl" seconds
//
// A client names the resource either with "resource" (RFC 8707) or with "audience" (the parameter
// of Auth0, Okta and others), so that both ways of asking are tried against a real server.

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.argv[2];
const wantedPort = Number(process.argv[3] ?? 0);
const entry = path.join(modules, 'node_modules', 'oidc-provider', 'lib', 'index.js');
const { default: Provider, errors } = await import(pathToFileURL(entry).href);

const audience = process.env.NTS_OAUTH_AUDIENCE;
const scope = process.env.NTS_OAUTH_SCOPE;
const clients = JSON.parse(process.env.NTS_OAUTH_CLIENTS);
const lifetimes = new Map(clients.map((c) => [c.id, Number(c.ttl)]));

// A signing key of this run only: Ralph fetches it from the JWKS endpoint.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'nts-test', use: 'sig', alg: 'RS256' };

const server = http.createServer();
await new Promise((resolve) => { server.listen(wantedPort, '127.0.0.1', resolve); });
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}/oidc`;

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    client_id: c.id,
    client_secret: c.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope,
  })),
  jwks: { keys: [signingKey] },
  scopes: scope.split(' '),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: (ctx, client, oneOf) => oneOf ?? ctx.oidc.body?.audience,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== audience) throw new errors.InvalidTarget();
        return { scope, audience, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  ttl: { ClientCredentials: (ctx, token, client) => lifetimes.get(client.clientId) ?? 600 },
});

const callback = provider.callback();
server.on('request', (req, res) => {
  if (!req.url.startsWith('/oidc')) {
    res.writeHead(404).end();
    return;
  }
  req.originalUrl = req.url;
  req.url = req.url.slice('/oidc'.length) || '/';
  callback(req, res);
});
process.on('SIGTERM', () => { server.close(); process.exit(0); });
console.log(`listening ${port}`);
