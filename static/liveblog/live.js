// Keeps an entry page live: polls the entry's JSON endpoint (docs/api.md) and
// applies new, edited and deleted updates to the server-rendered page.
// No framework, no build step, no globals; configuration comes from data-*
// attributes on #updates, so it runs under CSP script-src 'self'.
(function () {
  "use strict";

  var list = document.getElementById("updates");
  if (!list || !list.dataset.pollUrl || !window.fetch) return;

  var ORDER_KEY = "liveblog.order";
  var MAX_BACKOFF_MS = 60000;
  var REQUEST_TIMEOUT_MS = 15000;

  var pollUrl = list.dataset.pollUrl;
  var since = Number(list.dataset.revision) || 0;
  var intervalMs = (Number(list.dataset.pollInterval) || 5) * 1000;
  var failures = 0;
  var timer = null;
  var inFlight = false;
  var stopped = list.dataset.status === "ended";
  // Ids are never reused, so a deletion is final: an older answer arriving
  // late (from a cache) must not bring a deleted update back.
  var deletedIds = new Set();
  var unseen = 0;
  var pendingNew = [];
  var baseTitle = document.title;

  var toggle = document.querySelector(".order-toggle");
  var connection = document.querySelector(".connection-status");
  var announcer = document.querySelector(".live-announcer");
  var jumpButton = document.querySelector(".new-updates");
  var statusBadge = document.querySelector(".entry-status");

  function newestFirst() {
    return list.dataset.order === "newest";
  }

  function sortKey(node) {
    var time = node.querySelector("time[datetime]");
    return [time ? Date.parse(time.getAttribute("datetime")) : 0, Number(node.id.slice(7))];
  }

  // True when a belongs above b in the current order.
  function comesBefore(a, b) {
    var ka = sortKey(a);
    var kb = sortKey(b);
    var older = ka[0] < kb[0] || (ka[0] === kb[0] && ka[1] < kb[1]);
    return newestFirst() ? !older : older;
  }

  function articles() {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > article.update"));
  }

  function parseUpdate(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var node = template.content.firstElementChild;
    return node && node.matches("article.update[id^='update-']") ? node : null;
  }

  // Places a node among the existing ones without moving them, so what
  // the reader has selected or focused stays put. Scans from the end where
  // new updates usually go.
  function place(node) {
    var nodes = articles();
    if (newestFirst()) {
      for (var i = 0; i < nodes.length; i++) {
        if (comesBefore(node, nodes[i])) return list.insertBefore(node, nodes[i]);
      }
      return list.appendChild(node);
    }
    for (var j = nodes.length - 1; j >= 0; j--) {
      if (comesBefore(nodes[j], node)) return list.insertBefore(node, nodes[j].nextSibling);
    }
    return list.insertBefore(node, nodes[0] || null);
  }

  // Inserting above what the reader is looking at pushes it down; scroll
  // by the same amount so the text stays where it was. A reader who sees
  // the top of the list sees new updates arrive there instead.
  function keepingReadingPosition(change) {
    if (list.getBoundingClientRect().top >= 0) return change();
    var anchor = articles().find(function (node) {
      return node.getBoundingClientRect().bottom > 0;
    });
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    // An edit replaces its node: follow the anchor by id.
    anchor = anchor && document.getElementById(anchor.id);
    if (anchor) {
      var shift = anchor.getBoundingClientRect().top - before;
      if (shift) window.scrollBy(0, shift);
    }
  }

  function insertUpdate(item) {
    var node = parseUpdate(item.html);
    if (!node || deletedIds.has(item.id)) return false;
    var existing = document.getElementById(node.id);
    if (existing) {
      if (Number(existing.dataset.revision) >= item.revision) return false;
      existing.replaceWith(node);
      var pending = pendingNew.indexOf(existing);
      if (pending >= 0) pendingNew[pending] = node;
      if (sortKey(existing)[0] !== sortKey(node)[0]) {
        node.remove();
        place(node);
      }
      return false;
    }
    var empty = document.querySelector(".updates-empty");
    if (empty) empty.remove();
    place(node);
    return node;
  }

  function removeUpdate(id) {
    deletedIds.add(id);
    var node = document.getElementById("update-" + id);
    if (node) node.remove();
  }

  function applyChanges(body) {
    var added = [];
    keepingReadingPosition(function () {
      body.updates.forEach(function (item) {
        var node = insertUpdate(item);
        if (node) added.push(node);
      });
      body.deleted.forEach(removeUpdate);
    });
    // A cache may answer with an older state than the page: never go back.
    since = Math.max(since, body.revision);
    if (added.length) noticeNew(added);
  }

  function plural(n) {
    return n + (n === 1 ? " new update" : " new updates");
  }

  function noticeNew(nodes) {
    // Cleared first so that the same words twice are still announced.
    announcer.textContent = "";
    setTimeout(function () {
      announcer.textContent = plural(nodes.length);
    }, 50);
    if (document.hidden || !document.hasFocus()) {
      unseen += nodes.length;
      document.title = "(" + unseen + ") " + baseTitle;
    }
    var outOfView = nodes.filter(function (node) {
      var box = node.getBoundingClientRect();
      return box.bottom < 0 || box.top > window.innerHeight;
    });
    if (!outOfView.length) return;
    pendingNew = pendingNew.concat(outOfView);
    jumpButton.textContent = plural(pendingNew.length);
    jumpButton.hidden = false;
  }

  function jumpToNew() {
    // The new update highest on the page: the newest in newest-first order,
    // the first unread one in oldest-first order.
    var target = pendingNew
      .filter(function (node) {
        return node.isConnected;
      })
      .sort(function (a, b) {
        return comesBefore(a, b) ? -1 : 1;
      })[0];
    hideJumpButton();
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    }
  }

  function hideJumpButton() {
    pendingNew = [];
    jumpButton.hidden = true;
  }

  function markSeen() {
    if (document.hidden || !document.hasFocus()) return;
    unseen = 0;
    document.title = baseTitle;
  }

  function setConnection(message) {
    connection.textContent = message;
    connection.hidden = !message;
  }

  function stop(message) {
    stopped = true;
    clearTimeout(timer);
    if (message) setConnection(message);
  }

  function showEnded() {
    statusBadge.textContent = "This live blog has ended";
    statusBadge.dataset.status = "ended";
    list.dataset.status = "ended";
  }

  function backoffMs() {
    var base = Math.min(MAX_BACKOFF_MS, intervalMs * Math.pow(2, failures - 1));
    return base * (0.8 + Math.random() * 0.4);
  }

  function scheduleNextPoll(delayMs) {
    clearTimeout(timer);
    if (stopped || document.hidden) return;
    timer = setTimeout(poll, delayMs);
  }

  function poll() {
    if (inFlight || stopped) return;
    inFlight = true;
    clearTimeout(timer);
    var controller = new AbortController();
    var timeout = setTimeout(function () {
      controller.abort();
    }, REQUEST_TIMEOUT_MS);
    var url = pollUrl + (pollUrl.indexOf("?") < 0 ? "?" : "&") + "since=" + since;
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) {
          stop("This live blog is no longer available.");
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        if (!body) return;
        if (!Array.isArray(body.updates) || !Array.isArray(body.deleted)) {
          throw new Error("unexpected answer");
        }
        applyChanges(body);
        failures = 0;
        setConnection("");
        if (body.poll_interval > 0) intervalMs = body.poll_interval * 1000;
        if (body.more) return 0;
        if (body.status === "ended") {
          showEnded();
          stop();
        }
        return intervalMs;
      })
      .catch(function () {
        failures += 1;
        setConnection("Reconnecting…");
        return backoffMs();
      })
      .then(function (delay) {
        clearTimeout(timeout);
        inFlight = false;
        if (delay !== undefined) scheduleNextPoll(delay);
      });
  }

  function applyOrder(order, reorder) {
    list.dataset.order = order;
    toggle.setAttribute("aria-pressed", String(order === "newest"));
    if (!reorder) return;
    articles()
      .sort(function (a, b) {
        return comesBefore(a, b) ? -1 : 1;
      })
      .forEach(function (node) {
        list.appendChild(node);
      });
  }

  function storedOrder() {
    try {
      return window.localStorage.getItem(ORDER_KEY) === "newest" ? "newest" : "oldest";
    } catch (error) {
      return "oldest"; // storage disabled: the default order, not remembered
    }
  }

  function rememberOrder(order) {
    try {
      window.localStorage.setItem(ORDER_KEY, order);
    } catch (error) {
      // storage disabled or full: the choice lasts for this page only
    }
  }

  if (toggle) {
    toggle.hidden = false;
    applyOrder(storedOrder(), storedOrder() === "newest");
    toggle.addEventListener("click", function () {
      var order = newestFirst() ? "oldest" : "newest";
      applyOrder(order, true);
      rememberOrder(order);
      hideJumpButton();
    });
  }
  jumpButton.addEventListener("click", jumpToNew);
  window.addEventListener("scroll", function () {
    pendingNew = pendingNew.filter(function (node) {
      var box = node.getBoundingClientRect();
      return node.isConnected && (box.bottom < 0 || box.top > window.innerHeight);
    });
    if (!pendingNew.length) hideJumpButton();
    else jumpButton.textContent = plural(pendingNew.length);
  }, { passive: true });
  window.addEventListener("focus", markSeen);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      clearTimeout(timer);
      return;
    }
    markSeen();
    // Catch up at once, unless the server is failing: then keep backing off.
    if (failures) scheduleNextPoll(backoffMs());
    else poll();
  });

  scheduleNextPoll(intervalMs);
})();
