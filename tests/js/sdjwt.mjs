// npm @sd-jwt/sd-jwt-vc against dancu's integrated documents: (a) a data
// provider issues an SD-JWT VC with the JS library and pushes it to dancu;
// the citizen's presentation made by dancu verifies in the JS library,
// status list included (and fails while the document is suspended);
// (b) a credential issued by dancu's Go code verifies in the JS library,
// which presents it with a Key Binding JWT for dancu to verify. The Go test
// that starts dancu passes everything in DANCU_INTEROP (JSON) and reads one
// JSON line of results.
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { ES256, digest, generateSalt } from '@sd-jwt/crypto-nodejs'

const cfg = JSON.parse(process.env.DANCU_INTEROP)
const api = (path) => cfg.url + path

async function call(method, path, token, body) {
  const res = await fetch(api(path), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  let json
  try { json = JSON.parse(text) } catch { json = { raw: text } }
  return { status: res.status, json }
}

const { d, ...providerPublic } = cfg.provider.private_jwk
const statusKeys = (await (await fetch(api('/api/v1/documents/status-keys'))).json()).keys
const { d: _hd, ...holderPublic } = cfg.holder.private_jwk

const sdjwt = new SDJwtVcInstance({
  signer: await ES256.getSigner(cfg.provider.private_jwk),
  signAlg: 'ES256',
  verifier: await ES256.getVerifier(providerPublic),
  statusVerifier: await ES256.getVerifier(statusKeys[0]),
  kbSigner: await ES256.getSigner(cfg.holder.private_jwk),
  kbSignAlg: 'ES256',
  kbVerifier: await ES256.getVerifier(holderPublic),
  hasher: digest,
  hashAlg: 'sha-256',
  saltGenerator: generateSalt,
})

const results = {}
const now = Math.floor(Date.now() / 1000)

// (a) Issued by the JS library, pushed to dancu.
const credential = await sdjwt.issue(
  {
    iss: cfg.provider.issuer, vct: cfg.vct, iat: now, exp: now + 86400 * 365, sub: cfg.citizen.id_number,
    full_name: cfg.citizen.full_name, birth_date: '1990-05-01',
    address: { street: 'Số 5 Lê Lợi', commune: '19753', province: '46' },
    categories: [{ class: 'A1' }, { class: 'B' }],
    status: { status_list: { idx: 100, uri: cfg.provider.status_uri } },
  },
  { _sd: ['full_name', 'birth_date', 'address'], address: { _sd: ['street'] }, categories: { _sd: [0, 1] } },
  { header: { kid: cfg.provider.private_jwk.kid } },
)
const pushed = await call('POST', '/api/v1/documents', cfg.partner_token,
  { id_number: cfg.citizen.id_number, document_id: 'JS-GPLX-1', credential })
results.push_status = pushed.status
if (pushed.status !== 201) throw new Error(`push: ${pushed.status} ${JSON.stringify(pushed.json)}`)
const docID = pushed.json.id

const presented = await call('POST', `/api/v1/eid/me/documents/${docID}/presentations`, cfg.citizen.token,
  { disclose: ['full_name', ['categories', 0]] })
if (presented.status !== 201) throw new Error(`presentation: ${presented.status} ${JSON.stringify(presented.json)}`)
const verified = await sdjwt.verify(presented.json.presentation)
results.presented_claims = verified.payload

// The status list reflects a suspension: the JS verifier refuses it.
await call('POST', `/api/v1/documents/${docID}/status`, cfg.partner_token, { status: 'suspended' })
try {
  await sdjwt.verify(presented.json.presentation)
  results.suspended = 'accepted'
} catch (e) {
  results.suspended = 'rejected'
}
await call('POST', `/api/v1/documents/${docID}/status`, cfg.partner_token, { status: 'valid' })
results.reinstated = (await sdjwt.verify(presented.json.presentation)).payload.vct === cfg.vct

// (b) Issued by dancu's Go code: verifies here, presented here with key binding.
const goVerified = await sdjwt.verify(cfg.go_credential)
results.go_claims = goVerified.payload
results.kb_presentation = await sdjwt.present(cfg.go_credential, { full_name: true, address: { street: true } }, {
  kb: { payload: { aud: cfg.kb.aud, nonce: cfg.kb.nonce, iat: Math.floor(Date.now() / 1000) } },
})

console.log(JSON.stringify(results))
