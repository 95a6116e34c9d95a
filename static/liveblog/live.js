// Keeps an entry page live: polls its JSON endpoint (docs/api.md), or listens
// to its stream where the page offers one, and applies changes to the
// server-rendered page. No globals; configuration from data-*
// attributes, its texts from the page's #live-text JSON (in the entry's
// language: liveblog/i18n.py), so it runs under CSP script-src 'self'.
(function () {
  "use strict";

  var list = document.getElementById("updates");
  if (!list) return;
  followPermalinks();
  if (!list.dataset.pollUrl || !window.fetch) return;

  var ORDER_KEY = "liveblog.order";
  var MAX_BACKOFF_MS = 60000;
  var REQUEST_TIMEOUT_MS = 15000;
  // While the stream brings changes, a poll only in case an event was lost.
  var STREAM_POLL_MS = 60000;

  var pollUrl = list.dataset.pollUrl;
  var since = Number(list.dataset.revision) || 0;
  var intervalMs = (Number(list.dataset.pollInterval) || 5) * 1000;
  var failures = 0;
  var timer = null;
  var inFlight = false;
  var pollAgain = false;
  var stopped;
  var streamUrl = list.dataset.streamUrl;
  var stream = null;
  var streaming = false;
  var streamFailures = 0;
  // A deletion is final: a late answer (from a cache) must not undo it.
  var deletedIds = new Set();
  var unseen = 0;
  var pendingNew = [];
  var baseTitle = document.title;
  var text = JSON.parse(document.getElementById("live-text").textContent);
  var plurals = new Intl.PluralRules(document.documentElement.lang);

  var toggle = document.querySelector(".order-toggle");
  var connection = document.querySelector(".connection-status");
  var announcer = document.querySelector(".live-announcer");
  var jumpButton = document.querySelector(".new-updates");
  var statusBadge = document.querySelector(".entry-status");
  var skipLink = document.querySelector(".skip-link");
  var pinnedSlot = document.querySelector(".pinned-slot");
  var keyEvents = document.querySelector(".key-events");
  var summary = document.querySelector(".entry-summary");
  // "Load earlier updates": a plain link, fetched in place here.
  var earlier = document.querySelector(".load-earlier");
  var heldBack = {};
  var loadingEarlier = false;

  function newestFirst() {
    return list.dataset.order === "newest";
  }

  // An update's id, as its fragment states it (updates/fragments.py).
  function idOf(node) {
    return Number(node.dataset.id);
  }

  function findUpdate(id) {
    return list.querySelector(':scope > article.update[data-id="' + Number(id) + '"]');
  }

  // A permalink (?update=<id>#update-<id>) loads the page holding the
  // update; so do a bare #update-<id> and links to one not here.
  function permalinkOf(id) {
    return location.pathname + "?update=" + id + "#update-" + id;
  }

  function linkedUpdate(url) {
    var id = (/^#update-(\d+)$/.exec(url.hash) || [])[1];
    var named = url.searchParams.get("update");
    if (url.pathname === location.pathname && (!named || named === id)) return id;
  }

  function followPermalinks() {
    var id = linkedUpdate(new URL(location.href));
    // Not if the server answered (deleted).
    if (id && !findUpdate(id) && location.search.indexOf("update=") < 0) {
      return location.replace(permalinkOf(id));
    }
    document.addEventListener("click", function (event) {
      // rel="prev" is another page.
      var link = event.target.closest("a[href]:not([rel])");
      var id = link && !(event.button || event.metaKey || event.ctrlKey || event.shiftKey)
        && linkedUpdate(new URL(link.href));
      if (!id) return;
      event.preventDefault();
      if (!findUpdate(id)) return location.assign(permalinkOf(id));
      location.hash = "update-" + id; // scrolls; :target glows
      history.replaceState(null, "", permalinkOf(id));
    });
  }

  function sortKey(node) {
    var time = node.querySelector("time[datetime]");
    return [time ? Date.parse(time.getAttribute("datetime")) : 0, idOf(node)];
  }

  function isOlder(ka, kb) {
    return ka[0] < kb[0] || (ka[0] === kb[0] && ka[1] < kb[1]);
  }

  // True when a belongs above b in the current order.
  function comesBefore(a, b) {
    var older = isOlder(sortKey(a), sortKey(b));
    return newestFirst() ? !older : older;
  }

  // The oldest update loaded, from the cursor of the next older page.
  function edgeKey() {
    var parts = earlier && earlier.dataset.before.split("-");
    return parts && [parts[0] * 1000, Number(parts[1])];
  }

  function articles() {
    return Array.prototype.slice.call(list.querySelectorAll(":scope > article.update"));
  }

  function parseUpdate(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var node = template.content.firstElementChild;
    return node && node.matches("article.update[data-id]") ? node : null;
  }

  // Places a node without moving the others: selection and focus stay put.
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

  // Inserting above what the reader looks at pushes it down: scroll by as
  // much. A reader at the top of the list sees new updates arrive there.
  function keepingReadingPosition(change) {
    if (list.getBoundingClientRect().top >= 0) return change();
    keepingInView(change);
  }

  function keepingInView(change) {
    var anchor = articles().find(function (node) {
      return node.getBoundingClientRect().bottom > 0;
    });
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    change();
    // An edit replaces its node: follow the anchor by id.
    anchor = anchor && findUpdate(idOf(anchor));
    if (anchor) {
      var shift = anchor.getBoundingClientRect().top - before;
      if (shift) window.scrollBy(0, shift);
    }
  }

  function insertUpdate(item) {
    var node = parseUpdate(item.html);
    if (!node || deletedIds.has(item.id)) return false;
    var existing = findUpdate(idOf(node));
    if (existing && Number(existing.dataset.revision) >= item.revision) return false;
    var edge = edgeKey();
    // Older than what is loaded (new, or moved there by a corrected time):
    // it comes with its page, in this version.
    if (edge && isOlder(sortKey(node), edge)) {
      if (existing) existing.remove();
      if (!heldBack[item.id] || heldBack[item.id].revision < item.revision) heldBack[item.id] = item;
      return false;
    }
    if (existing) {
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
    var node = findUpdate(id);
    if (node) node.remove();
  }

  // The server's current pin and key events, sent with every change; the
  // summary's contents only when it changed (its open state is the reader's).
  function applyHighlights(body) {
    if (typeof body.summary === "string" && summary) {
      summary.lastElementChild.innerHTML = body.summary;
      summary.hidden = !body.summary;
    }
    if (typeof body.pinned !== "string" || !pinnedSlot) return;
    pinnedSlot.innerHTML = body.pinned;
    pinnedSlot.hidden = !body.pinned;
    keyEvents.querySelector("ol").innerHTML = body.key_events;
    keyEvents.hidden = !body.key_events;
  }

  // Applies an answer; true when it took the page past `since`. A cache may
  // answer with an older state than the page has (even its HTML): changes
  // up to `since` are on the page, or deleted since; older copies are ignored.
  function applyChanges(body) {
    var newer = body.revision > since;
    var added = [];
    keepingReadingPosition(function () {
      if (newer) applyHighlights(body);
      body.updates.forEach(function (item) {
        if (!(item.revision > since)) return;
        var node = insertUpdate(item);
        if (node) added.push(node);
      });
      body.deleted.forEach(removeUpdate);
    });
    since = Math.max(since, body.revision);
    if (added.length) noticeNew(added);
    if (newer) pointSkipLink();
    return newer;
  }

  // The form of the first sample count in n's plural category (liveblog/i18n.py).
  function plural(n) {
    var forms = text.new_updates;
    var sample = Object.keys(forms).find(function (count) {
      return plurals.select(count) === plurals.select(n);
    });
    return forms[sample].replace("%(count)s", n);
  }

  function announce(words) {
    // Cleared first so that the same words twice are still announced.
    announcer.textContent = "";
    setTimeout(function () {
      announcer.textContent = words;
    }, 50);
  }

  function noticeNew(nodes) {
    announce(plural(nodes.length));
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
    // The new update highest on the page.
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
    if (stream) stream.close();
    if (message) setConnection(message);
  }

  function pointSkipLink() {
    var nodes = articles();
    var newest = nodes[newestFirst() ? 0 : nodes.length - 1];
    if (skipLink && newest) skipLink.hash = newest.id;
  }

  // As a fresh load shows it (both badges, one hidden).
  function showStatus(status) {
    if (!status || list.dataset.status === status) return;
    list.dataset.status = statusBadge.dataset.status = status;
    statusBadge.querySelectorAll(".badge").forEach(function (badge) {
      badge.hidden = !badge.classList.contains("badge-" + status);
    });
    announce(status === "ended" ? text.ended : text.live_again);
  }

  function backoffMs() {
    // An ended page's rare polls back off too.
    var base = Math.min(Math.max(MAX_BACKOFF_MS, intervalMs * 5), intervalMs * Math.pow(2, failures - 1));
    return base * (0.8 + Math.random() * 0.4);
  }

  function pollDelay() {
    return streaming ? Math.max(STREAM_POLL_MS, intervalMs) : intervalMs;
  }

  function scheduleNextPoll(delayMs) {
    clearTimeout(timer);
    if (stopped || document.hidden) return;
    timer = setTimeout(poll, delayMs);
  }

  function poll() {
    pollAgain = inFlight;
    if (inFlight || stopped) return;
    inFlight = true;
    clearTimeout(timer);
    var controller = new AbortController();
    var timeout = setTimeout(function () {
      controller.abort();
    }, REQUEST_TIMEOUT_MS);
    var url = pollUrl + (pollUrl.indexOf("?") < 0 ? "?" : "&") + "since=" + since;
    // Always revalidated (docs/api.md)
    fetch(url, { cache: "no-cache", signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) {
          stop(text.gone);
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
        var newer = applyAnswer(body);
        failures = 0;
        setConnection("");
        // "More" from an answer that moved nothing (a stale copy, again and
        // again) must not turn into asking without pause.
        if ((body.more && newer) || pollAgain) return 0;
        return pollDelay();
      })
      .catch(function () {
        failures += 1;
        setConnection(text.reconnecting);
        return backoffMs();
      })
      .then(function (delay) {
        clearTimeout(timeout);
        inFlight = pollAgain = false;
        if (delay !== undefined) scheduleNextPoll(delay);
      });
  }

  function applyAnswer(body) {
    var newer = applyChanges(body);
    if (body.poll_interval > 0) intervalMs = body.poll_interval * 1000;
    showStatus(body.status);
    return newer;
  }

  // An event is the poll's answer from its `base`; a page not there yet
  // (an event was missed) polls, as for an event too large to carry it.
  function applyEvent(message) {
    var body = JSON.parse(message.data);
    streaming = true;
    streamFailures = 0;
    if (!(body.base <= since) || !Array.isArray(body.updates) || body.more) return poll();
    applyAnswer(body);
    scheduleNextPoll(pollDelay());
  }

  function listen() {
    if (!streamUrl || !window.EventSource || stream || stopped) return;
    stream = new EventSource(streamUrl);
    stream.onmessage = applyEvent;
    stream.onerror = dropStream;
  }

  // EventSource would retry at once, forever: poll at the usual pace and
  // listen again later, backing off.
  function dropStream() {
    stream.close();
    stream = null;
    streaming = false;
    streamFailures += 1;
    if (!inFlight) scheduleNextPoll(failures ? backoffMs() : 0);
    setTimeout(listen, Math.min(MAX_BACKOFF_MS, 2500 * Math.pow(2, streamFailures)));
  }

  function loadEarlier(event) {
    var link = event.target.closest("a");
    if (!link) return;
    event.preventDefault();
    if (loadingEarlier) return;
    loadingEarlier = true;
    fetch(earlier.dataset.jsonUrl + "?before=" + earlier.dataset.before)
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        var nodes = body.updates
          .map(function (item) {
            return parseUpdate(item.html);
          })
          .filter(function (node) {
            return node && !findUpdate(idOf(node)) && !deletedIds.has(idOf(node));
          });
        if (!newestFirst()) nodes.reverse();
        var block = document.createDocumentFragment();
        nodes.forEach(function (node) {
          block.appendChild(node);
        });
        keepingInView(function () {
          list.insertBefore(block, newestFirst() ? null : articles()[0] || null);
        });
        if (body.before) {
          earlier.dataset.before = body.before;
          link.href = link.pathname + "?before=" + body.before;
        } else {
          earlier.remove();
          earlier = null;
        }
        // Changes polled meanwhile, newer than the page's copies.
        Object.keys(heldBack).forEach(function (id) {
          var item = heldBack[id];
          delete heldBack[id];
          insertUpdate(item);
        });
      })
      .catch(function () {
        window.location.href = link.href; // the plain link still works
      })
      .then(function () {
        loadingEarlier = false;
      });
  }

  function applyOrder(order, reorder) {
    list.dataset.order = order;
    toggle.querySelectorAll("button").forEach(function (option) {
      option.setAttribute("aria-pressed", option.dataset.order === order);
    });
    // Earlier updates continue below newest first, above oldest first.
    if (earlier) list.parentNode.insertBefore(earlier, order === "newest" ? list.nextSibling : list);
    if (!reorder) return;
    articles()
      .sort(function (a, b) {
        return comesBefore(a, b) ? -1 : 1;
      })
      .forEach(function (node) {
        list.appendChild(node);
      });
  }

  // The reader's own choice, or the page's: newest first while live.
  function storedOrder() {
    try {
      var order = window.localStorage.getItem(ORDER_KEY);
      if (order === "newest" || order === "oldest") return order;
    } catch (error) {
      // storage disabled
    }
    return list.dataset.order;
  }

  function rememberOrder(order) {
    try {
      window.localStorage.setItem(ORDER_KEY, order);
    } catch (error) {
      // storage disabled or full: for this page only
    }
  }

  if (toggle) {
    toggle.hidden = false;
    applyOrder(storedOrder(), storedOrder() !== list.dataset.order);
    toggle.addEventListener("click", function (event) {
      var order = event.target.dataset.order;
      if (!order || order === list.dataset.order) return;
      applyOrder(order, true);
      rememberOrder(order);
      hideJumpButton();
    });
  }
  jumpButton.addEventListener("click", jumpToNew);
  if (earlier) earlier.addEventListener("click", loadEarlier);
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
  listen();
})();
