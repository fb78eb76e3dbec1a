// copy.js: the "Copy" button next to a presentation. Without JavaScript
// the button stays hidden and the text can be selected by hand.
(function () {
	"use strict";
	document.querySelectorAll("button[data-copy]").forEach(function (button) {
		var target = document.getElementById(button.dataset.copy);
		if (!target || !navigator.clipboard) {
			return;
		}
		button.hidden = false;
		var label = button.textContent;
		button.addEventListener("click", function () {
			navigator.clipboard.writeText(target.value).then(function () {
				button.textContent = button.dataset.copied;
				setTimeout(function () { button.textContent = label; }, 2000);
			});
		});
	});
})();
