/* Embeds without trackers (issue 22, item 3): each update's embed is a
   preview served by this site (templates/updates/_embed.html); this adds
   its "Load from <provider>" button, and only a press on it brings the
   provider's player or post, in an iframe the page's CSP allows for those
   providers alone. Updates that arrive later (by poll or stream) get their
   button too; clicks are handled once, on the document. */
(() => {
  "use strict";

  const PENDING = ".embed[data-embed-player]:not(.embed-ready)";
  // In the entry's language, from the page's catalog (issue 23).
  const label = JSON.parse(document.getElementById("live-text").textContent).load_from;

  function addButton(embed) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "embed-load";
    button.textContent = label.replace("%(provider)s", embed.dataset.embedName);
    embed.classList.add("embed-ready");
    embed.append(button);
  }

  function addButtons() {
    document.querySelectorAll(PENDING).forEach(addButton);
  }

  function loadPlayer(embed) {
    const frame = document.createElement("iframe");
    frame.className = "embed-frame embed-frame-" + embed.dataset.embedKind;
    frame.src = embed.dataset.embedPlayer;
    frame.title = embed.dataset.embedTitle;
    frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    frame.allowFullscreen = true;
    // YouTube's player refuses to play without knowing the embedding site.
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    // The preview's link stays, below the player, for the original page.
    embed.querySelector(".embed-load").remove();
    embed.prepend(frame);
    embed.classList.add("embed-loaded");
    // The button had the focus: it moves to what replaced it.
    frame.tabIndex = -1;
    frame.focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".embed-load");
    if (button) loadPlayer(button.closest(".embed"));
  });
  new MutationObserver(addButtons).observe(document.body, { childList: true, subtree: true });
  addButtons();
})();
