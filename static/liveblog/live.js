// Keeps an entry page live: polls its JSON endpoint (docs/api.md), or listens
// to its stream where the page offers one, and applies changes to the
// server-rendered page. No globals; configuration from data-*
// attributes, its texts from the page's #live-text JSON (in the entry's
// language: liveblog/i18n.py), so it runs under CSP script-src 'self'.
(function () {
  "use strict";

  // What the reader is shown, in the entry's language: the page's catalog
  // (liveblog/i18n.py, updates/script_text.py), %(name)s filled in here.
  var text = JSON.parse(document.getElementById("live-text").textContent);
  var plurals = new Intl.PluralRules(document.documentElement.lang);

  var list = document.getElementById("updates");
  if (!list) return;
  var announcer = document.querySelector(".live-announcer");
  var earlier = document.querySelector(".load-earlier");
  var baseTitle = document.title;
  followPermalinks();

  // Per entry: the newest update shown at the last visit, [ms, id, saved].
  var VISITS_KEY = "liveblog.visits";
  var VISITS_KEPT = 50;
  var lastVisit = readVisits()[location.pathname];
  if (!(Array.isArray(lastVisit) && lastVisit.length > 1)) lastVisit = null;
  var visitEnd = newestKey();
  var seen = null;
  var divider = document.createElement("p");
  divider.className = "visit-divider";
  divider.textContent = text.divider;
  // Made once: a reader focused on the link keeps it through polls.
  var visitNews = document.createElement("p");
  visitNews.className = "visit-news";
  visitNews.hidden = true;
  var visitCount = visitNews.appendChild(document.createTextNode(""));
  var visitLink = visitNews.appendChild(document.createElement("a"));
  visitLink.textContent = text.jump_first;
  visitLink.addEventListener("click", function () {
    var target = document.getElementById(visitLink.hash.slice(1));
    if (target && target.parentNode === list) {
      target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    } else {
      seen = null; // that page marks them too
    }
  });
  list.parentNode.insertBefore(visitNews, document.querySelector(".new-updates"));
  var canShare = Boolean(navigator.share);
  decorate(document);
  markSinceVisit();
  noteSeen();
  // One timer for the page; ages change by the minute.
  setInterval(showAges, 60000);
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".update-share");
    if (button) share(button);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) rememberVisit();
    else noteSeen();
  });
  window.addEventListener("pagehide", rememberVisit);
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

  var toggle = document.querySelector(".order-toggle");
  var connection = document.querySelector(".connection-status");
  var jumpButton = document.querySelector(".new-updates");
  var statusBadge = document.querySelector(".entry-status");
  var skipLink = document.querySelector(".skip-link");
  var pinnedSlot = document.querySelector(".pinned-slot");
  var keyEvents = document.querySelector(".key-events");
  var summary = document.querySelector(".entry-summary");
  // "Load earlier updates" (a plain link) is fetched in place.
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
    if (!node || !node.matches("article.update[data-id]")) return null;
    decorate(template.content);
    return node;
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
    decorate(pinnedSlot);
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
      markSinceVisit();
    });
    since = Math.max(since, body.revision);
    if (added.length) noticeNew(added);
    noteSeen();
    if (newer) pointSkipLink();
    return newer;
  }

  function say(message, values) {
    return message.replace(/%\((\w+)\)s/g, function (match, name) {
      return values[name];
    });
  }

  // The form of the first sample count in n's plural category (liveblog/i18n.py).
  function counted(key, n) {
    var forms = text[key];
    var sample = Object.keys(forms).find(function (count) {
      return plurals.select(count) === plurals.select(n);
    });
    return say(forms[sample], { count: n });
  }

  function announce(words) {
    // Cleared first so that the same words twice are still announced.
    announcer.textContent = "";
    setTimeout(function () {
      announcer.textContent = words;
    }, 50);
  }

  function noticeNew(nodes) {
    announce(counted("new_updates", nodes.length));
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
    jumpButton.textContent = counted("new_updates", pendingNew.length);
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
          markSinceVisit();
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
    markSinceVisit();
  }

  // Share and age beside each update's time, added before it is placed:
  // keeping the reading position counts their height.
  function decorate(root) {
    root.querySelectorAll("article.update .update-permalink").forEach(function (link) {
      if (link.nextElementSibling && link.nextElementSibling.matches(".update-age")) return;
      var age = document.createElement("span");
      age.className = "update-age";
      age.title = link.textContent;
      link.after(age);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "update-share";
      button.textContent = canShare ? text.share : text.copy;
      button.setAttribute("aria-label", say(canShare ? text.share_name : text.copy_name, { time: link.textContent }));
      link.parentNode.appendChild(button);
    });
    showAges(root);
  }

  // Not announced (no live region): it changes every minute.
  function showAges(root) {
    var now = Date.now();
    (root || document).querySelectorAll(".update-age").forEach(function (age) {
      var time = age.previousElementSibling.querySelector("time");
      // A clock behind the server's puts updates in the future: just now.
      var minutes = Math.floor((now - Date.parse(time.getAttribute("datetime"))) / 60000);
      var shown = minutes < 1 ? text.just_now : minutes < 60 ? counted("minutes_ago", minutes) : "";
      // Rewriting equal text would still end a selection inside it.
      if (age.textContent !== shown) age.textContent = shown;
    });
  }

  function share(button) {
    var article = button.closest("article.update");
    var url = new URL(article.querySelector(".update-permalink").getAttribute("href"), location.href).href;
    var headline = article.querySelector(".update-headline");
    if (!canShare) return copyLink(button, url);
    navigator.share({ url: url, title: headline ? headline.textContent : baseTitle }).catch(function (error) {
      // AbortError: the reader closed the share sheet.
      if (error.name !== "AbortError") copyLink(button, url);
    });
  }

  function copyLink(button, url) {
    var next = button.nextElementSibling;
    if (next && next.matches(".share-note, .share-link")) next.remove();
    var copying = navigator.clipboard ? navigator.clipboard.writeText(url) : Promise.reject();
    copying.then(
      function () {
        var note = document.createElement("span");
        note.className = "share-note";
        note.textContent = text.copied;
        button.after(note);
        announce(text.copied);
        setTimeout(function () {
          note.remove();
        }, 4000);
      },
      // Refused: the link, selected, to copy by hand.
      function () {
        var field = document.createElement("input");
        field.className = "share-link";
        field.readOnly = true;
        field.value = url;
        field.setAttribute("aria-label", say(text.link_name, { time: button.closest("article").querySelector("time").textContent }));
        button.after(field);
        field.focus();
        field.select();
      }
    );
  }

  function newestKey() {
    return articles().map(sortKey).reduce(function (newest, key) {
      return isOlder(newest, key) ? key : newest;
    }, [0, 0]);
  }

  // Added since: after the newest update shown then, by time and by id, so
  // that an older one edited, imported or moved to a later time is not new;
  // up to the newest at load, as updates arriving now are announced instead.
  function isNewSinceVisit(node) {
    var key = sortKey(node);
    return isOlder(lastVisit, key) && key[1] > lastVisit[1] && !isOlder(visitEnd, key);
  }

  // The divider between what the reader had seen and what is new, in
  // either order, and how many are new with a link to the first of them.
  function markSinceVisit() {
    if (!lastVisit) return;
    var nodes = articles();
    var fresh = nodes.filter(isNewSinceVisit).sort(function (a, b) {
      return isOlder(sortKey(a), sortKey(b)) ? -1 : 1;
    });
    var older = nodes.filter(function (node) {
      return !isOlder(lastVisit, sortKey(node));
    });
    divider.remove();
    visitNews.hidden = !fresh.length;
    if (!fresh.length) return;
    if (older.length) {
      var last = newestFirst() ? older[0] : older[older.length - 1].nextSibling;
      list.insertBefore(divider, last);
    }
    // The first new one is on an earlier page: the page of the last one seen.
    var elsewhere = !older.length && earlier;
    visitLink.href = elsewhere ? permalinkOf(lastVisit[1]) : "#" + fresh[0].id;
    visitCount.data = counted(elsewhere ? "since_visit_at_least" : "since_visit", fresh.length) + " ";
  }

  function noteSeen() {
    if (document.hidden) return;
    var newest = newestKey();
    if (!seen || isOlder(seen, newest)) seen = newest;
  }

  function readVisits() {
    try {
      var visits = JSON.parse(window.localStorage.getItem(VISITS_KEY));
      if (visits && typeof visits === "object") return visits;
    } catch (error) {
      // storage disabled, or not ours
    }
    return {};
  }

  // The furthest point seen in any tab; only the entries read last are kept.
  function rememberVisit() {
    if (!seen) return;
    var visits = readVisits();
    var mine = visits[location.pathname];
    var furthest = Array.isArray(mine) && isOlder(seen, mine) ? mine : seen;
    visits[location.pathname] = [furthest[0], furthest[1], Date.now()];
    Object.keys(visits)
      .sort(function (a, b) {
        return visits[b][2] - visits[a][2];
      })
      .slice(VISITS_KEPT)
      .forEach(function (path) {
        delete visits[path];
      });
    try {
      window.localStorage.setItem(VISITS_KEY, JSON.stringify(visits));
    } catch (error) {
      // storage disabled or full: nothing marked next time
    }
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
    else jumpButton.textContent = counted("new_updates", pendingNew.length);
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
