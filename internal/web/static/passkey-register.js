// passkey-register.js: "Add a passkey" on the citizen's security page.
// It asks the server for the options (POST data-begin, with the page's
// CSRF token in X-CSRF-Token and the session cookie), lets the browser's
// authenticator create the credential (navigator.credentials.create) and
// sends it back (POST data-finish). Without JavaScript or WebAuthn the
// form stays hidden. Plain ES2017, no build step.
(function () {
	"use strict";
	var form = document.getElementById("passkey-add");
	if (!form || !window.PublicKeyCredential || !navigator.credentials) {
		return;
	}
	var alertBox = document.getElementById("passkey-error");
	var button = form.querySelector("button");
	form.hidden = false;

	function decode(s) {
		s = s.replace(/-/g, "+").replace(/_/g, "/");
		while (s.length % 4) { s += "="; }
		var bin = atob(s), out = new Uint8Array(bin.length);
		for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
		return out.buffer;
	}
	function encode(buf) {
		var bytes = new Uint8Array(buf), bin = "";
		for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
		return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
	}
	function post(url, body) {
		return fetch(url, {method: "POST", credentials: "same-origin",
			headers: {"X-CSRF-Token": form.dataset.csrf, "Content-Type": "application/json"},
			body: body ? JSON.stringify(body) : "{}"}).then(function (res) {
			return res.json().then(function (data) {
				if (!res.ok) { throw new Error(data.error || ""); }
				return data;
			});
		});
	}
	function fail(message) {
		alertBox.textContent = message || form.dataset.error;
		alertBox.hidden = false;
		button.disabled = false;
	}

	form.addEventListener("submit", function (event) {
		event.preventDefault();
		button.disabled = true;
		alertBox.hidden = true;
		post(form.dataset.begin).then(function (begin) {
			var o = begin.options.publicKey;
			o.challenge = decode(o.challenge);
			o.user.id = decode(o.user.id);
			(o.excludeCredentials || []).forEach(function (c) { c.id = decode(c.id); });
			return navigator.credentials.create({publicKey: o}).then(function (cred) {
				var r = cred.response;
				return post(form.dataset.finish, {ceremony_id: begin.ceremony_id, name: form.elements.name.value,
					response: {id: cred.id, rawId: encode(cred.rawId), type: cred.type,
						clientExtensionResults: cred.getClientExtensionResults(),
						response: {clientDataJSON: encode(r.clientDataJSON), attestationObject: encode(r.attestationObject),
							transports: r.getTransports ? r.getTransports() : []}}});
			});
		}).then(function (done) {
			window.location.assign(done.next);
		}).catch(function (err) {
			fail(err && err.name === "Error" ? err.message : "");
		});
	});
})();
