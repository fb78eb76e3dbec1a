// passkey.js: "Log in with a passkey" on dancu's login page.
//
// It asks the provider for a challenge (POST /login/passkey/begin), lets
// the browser's authenticator sign it (navigator.credentials.get, which
// offers the passkeys this site registered: no ID number is typed), then
// posts the answer with the page's own form to /login/passkey, so that
// the login goes on as a passcode login does (consent, back to the
// service). Without JavaScript or WebAuthn the form stays hidden and the
// passcode form above it works as before. Served by the provider, no
// build step; plain ES2017.
(function () {
	"use strict";

	var form = document.getElementById("passkey-form");
	if (!form || !window.PublicKeyCredential || !navigator.credentials) {
		return;
	}
	var button = document.getElementById("passkey-button");
	var alertBox = document.getElementById("passkey-error");
	form.hidden = false;

	// WebAuthn's binary values travel as base64url (RFC 4648 §5).
	function decode(s) {
		s = s.replace(/-/g, "+").replace(/_/g, "/");
		while (s.length % 4) {
			s += "=";
		}
		var bin = atob(s);
		var out = new Uint8Array(bin.length);
		for (var i = 0; i < bin.length; i++) {
			out[i] = bin.charCodeAt(i);
		}
		return out.buffer;
	}

	function encode(buf) {
		var bytes = new Uint8Array(buf);
		var bin = "";
		for (var i = 0; i < bytes.length; i++) {
			bin += String.fromCharCode(bytes[i]);
		}
		return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
	}

	function fail(message) {
		alertBox.textContent = message || form.dataset.error;
		alertBox.hidden = false;
		button.disabled = false;
	}

	// assertionJSON is the PublicKeyCredential as go-webauthn reads it.
	function assertionJSON(cred) {
		var r = cred.response;
		return {
			id: cred.id,
			rawId: encode(cred.rawId),
			type: cred.type,
			authenticatorAttachment: cred.authenticatorAttachment || undefined,
			clientExtensionResults: cred.getClientExtensionResults(),
			response: {
				clientDataJSON: encode(r.clientDataJSON),
				authenticatorData: encode(r.authenticatorData),
				signature: encode(r.signature),
				userHandle: r.userHandle ? encode(r.userHandle) : undefined
			}
		};
	}

	form.addEventListener("submit", function (event) {
		event.preventDefault();
		button.disabled = true;
		alertBox.hidden = true;
		var body = new URLSearchParams();
		body.set("ar", form.elements.ar.value);
		body.set("csrf", form.elements.csrf.value);
		body.set("lang", form.elements.lang.value);
		fetch(form.dataset.begin, { method: "POST", body: body, credentials: "same-origin" })
			.then(function (res) {
				return res.json().then(function (data) {
					if (!res.ok) {
						throw new Error(data.error || "");
					}
					return data;
				});
			})
			.then(function (begin) {
				var options = begin.options.publicKey;
				options.challenge = decode(options.challenge);
				(options.allowCredentials || []).forEach(function (c) {
					c.id = decode(c.id);
				});
				return navigator.credentials.get({ publicKey: options }).then(function (cred) {
					form.elements.ceremony_id.value = begin.ceremony_id;
					form.elements.response.value = JSON.stringify(assertionJSON(cred));
					form.submit();
				});
			})
			.catch(function (err) {
				// A refusal of the provider carries its message; a cancelled
				// or failed authenticator gets the page's.
				fail(err && err.name === "Error" ? err.message : "");
			});
	});
})();
