// The npm openid-client relying party against a running dancu: the code
// flow with PKCE and client_secret_basic, then the FAPI 2.0 profile (PAR,
// private_key_jwt, DPoP-bound tokens). The Go test that starts dancu passes
// everything in DANCU_INTEROP (JSON) and reads one JSON line of results.
import * as client from 'openid-client'
import { webcrypto } from 'node:crypto'

const cfg = JSON.parse(process.env.DANCU_INTEROP)
const insecure = { execute: [client.allowInsecureRequests] } // the test server is plain HTTP on loopback

// browser drives dancu's login pages as a citizen would: cookies, forms,
// redirects, until it is sent back to the relying party.
class Browser {
  constructor() { this.cookies = new Map() }
  async fetch(url, init = {}) {
    const headers = new Headers(init.headers || {})
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair.indexOf('=')
      const name = pair.slice(0, i), value = pair.slice(i + 1)
      if (/max-age=-1|max-age=0/i.test(c) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return res
  }
  // login follows redirects within dancu and submits its forms.
  async login(url, citizen, redirectURI) {
    let res = await this.fetch(url)
    for (let step = 0; step < 12; step++) {
      if (res.status >= 300 && res.status < 400) {
        const loc = new URL(res.headers.get('location'), url)
        if (loc.href.startsWith(redirectURI)) return loc
        url = loc.href
        res = await this.fetch(url)
        continue
      }
      const html = await res.text()
      if (res.status !== 200) throw new Error(`login page ${url}: ${res.status}`)
      const form = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(m => [m[1], m[2].replaceAll('&#43;', '+')]))
      let action
      if (html.includes('name="passcode"')) {
        action = '/login'; form.id_number = citizen.id_number; form.passcode = citizen.passcode
      } else if (html.includes('name="challenge_id"')) {
        action = '/login/code'
        form.code = await (await fetch(`${cfg.code_url}?phone=${encodeURIComponent(citizen.phone)}`)).text()
      } else if (html.includes('name="decision"')) {
        action = '/consent'; form.decision = 'allow'; form.remember = '1'
      } else throw new Error(`unexpected page at ${url}`)
      url = new URL(action, cfg.issuer).href
      res = await this.fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) })
    }
    throw new Error('login did not end')
  }
}

const results = {}

// 1. Code flow, PKCE, client_secret_basic; refresh; userinfo.
{
  const c = cfg.clients.basic
  const config = await client.discovery(new URL(cfg.issuer), c.id, { id_token_signed_response_alg: 'ES256' }, client.ClientSecretBasic(c.secret), insecure)
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState(), nonce = client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: c.redirect, scope: 'openid profile phone', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  })
  const callback = await new Browser().login(url.href, cfg.citizen, c.redirect)
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true })
  const claims = tokens.claims()
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token)
  let reuse = 'accepted'
  try { await client.refreshTokenGrant(config, tokens.refresh_token) } catch (e) { reuse = e.error || e.code || 'error' }
  results.basic = { sub: claims.sub, acr: claims.acr, name: info.name, rotated: refreshed.refresh_token !== tokens.refresh_token, reuse }

  // A response with another state, and an ID token with another nonce,
  // are refused by the relying party (the provider echoes what it got).
  const attempt = async (expected) => {
    const v = client.randomPKCECodeVerifier(), st = client.randomState(), n = client.randomNonce()
    const u = client.buildAuthorizationUrl(config, { redirect_uri: c.redirect, scope: 'openid', state: st, nonce: n,
      code_challenge: await client.calculatePKCECodeChallenge(v), code_challenge_method: 'S256' })
    const cb = await new Browser().login(u.href, cfg.citizen, c.redirect)
    try {
      await client.authorizationCodeGrant(config, cb, { pkceCodeVerifier: v, expectedState: expected.state ?? st,
        expectedNonce: expected.nonce ?? n, idTokenExpected: true })
      return 'accepted'
    } catch (e) { return e.code || e.error || 'error' }
  }
  results.wrong_state = await attempt({ state: 'not-the-state' })
  results.wrong_nonce = await attempt({ nonce: 'not-the-nonce' })
}

// 2. FAPI 2.0: PAR, private_key_jwt, DPoP.
{
  const c = cfg.clients.fapi
  const key = await webcrypto.subtle.importKey('jwk', c.private_jwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
  const config = await client.discovery(new URL(cfg.issuer), c.id, { id_token_signed_response_alg: 'ES256' },
    client.PrivateKeyJwt({ key, kid: c.private_jwk.kid }), insecure)
  const DPoP = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'))
  const verifier = client.randomPKCECodeVerifier()
  const state = client.randomState()
  const url = await client.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: c.redirect, scope: 'openid profile id_number', state, acr_values: 'urn:dancu:eid:level2',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  }, { DPoP })
  const callback = await new Browser().login(url.href, cfg.citizen, c.redirect)
  const tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true }, undefined, { DPoP })
  const claims = tokens.claims()
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP })
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token, undefined, { DPoP })
  results.fapi = { token_type: tokens.token_type, acr: claims.acr, id_number: info.id_number, par: url.searchParams.has('request_uri'), refreshed_type: refreshed.token_type }
}

console.log(JSON.stringify(results))
