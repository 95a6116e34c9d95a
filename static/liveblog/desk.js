// The live desk (updates/desk.py): compose, post photos, and run the
// stream of an entry from one admin page. Markup comes from the server
// (answers carry each stream item's HTML; the photo card is a <template> in
// the page); nothing typed is lost: the draft, photos included, stays in
// this browser (desk-store.js) until the server confirms it, and a failed
// post keeps text and photos. It never says "Not posted" for an update
// that exists: when a post's answer is lost, it asks the server whether
// that composition landed (issue 19).
(function () {
  "use strict";

  var desk = document.getElementById("desk");
  if (!desk || !window.fetch) return;

  var form = desk.querySelector(".desk-compose");
  var textarea = form.querySelector("textarea");
  var headlineInput = form.querySelector("[name=headline]");
  var photoList = form.querySelector(".desk-photos");
  var fileInput = form.querySelector(".desk-file");
  var formError = form.querySelector(".desk-error");
  var postButton = form.querySelector(".desk-post");
  var template = document.getElementById("desk-photo-template");
  var stream = desk.querySelector(".desk-stream");
  var countNumber = desk.querySelector(".desk-count-number");
  // In the author's language (liveblog/i18n.py): plain strings with
  // %(name)s placeholders, and plural messages by sample count.
  var text = JSON.parse(document.getElementById("desk-text").textContent);
  var plurals = new Intl.PluralRules(document.documentElement.lang);
  var store = window.LiveblogDeskStore.open(
    "liveblog.desk." + desk.dataset.user + "." + desk.dataset.entry,
  );
  var largestWidth = Number(desk.dataset.photoWidth) || 0;
  // 0 when the account may not add photos (no add permission on Photo).
  var maxPhotos = Number(desk.dataset.maxPhotos) || 0;
  var intervalMs = (Number(desk.dataset.pollInterval) || 5) * 1000;
  var since = Number(desk.dataset.revision) || 0;
  var sendingNote = form.querySelector(".desk-sending");
  var keyConflict = form.querySelector(".desk-key-conflict");
  var photos = []; // {id, file, node, ready, kept}
  // Until the saved photos are back, saving the draft keeps their list.
  var photosRestored = false;
  var posting = false;
  var polling = false;
  var pollFailures = 0;
  var deleted = new Set();
  // Stream items not applied while their editor was open: applied on closing it.
  var heldBack = new Map();
  // A post whose fate the server could not yet tell: {sent, failure}.
  var unconfirmed = null;
  var recheckTimer = null;
  var checking = false;
  var recheckFailures = 0;

  // Every request ends, answered or not: a hung one must not hold a button.
  var REQUEST_TIMEOUT_MS = 15000;
  // A post's upload may take long on a slow uplink: it is given up only when
  // no byte has gone out for this long, or no answer came this long after.
  var UPLOAD_STALL_MS = 30000;
  var ANSWER_TIMEOUT_MS = 40000;
  // How long the server may still be working on a post whose answer was
  // lost: gunicorn's timeout (30 s) and a margin. Until then "not posted"
  // may yet change; the desk keeps asking.
  var SETTLE_MS = 35000;
  var MAX_BACKOFF_MS = 60000;

  function csrfToken() {
    return form.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + String(Math.random()).slice(2, 12);
  }

  // The draft: text, the composition's key and the photos' alt texts and
  // captions (their files are in IndexedDB), until the server confirms.
  var draft = store.loadDraft();
  if (!draft.key) draft.key = newKey();

  function photoFields(photo) {
    return {
      id: photo.id,
      alt: photo.node.querySelector(".desk-alt").value,
      caption: photo.node.querySelector(".desk-caption").value,
    };
  }

  function saveDraft() {
    draft.text = textarea.value;
    draft.headline = headlineInput.value;
    if (photosRestored) draft.photos = photos.map(photoFields);
    store.saveDraft(draft);
  }

  function clearDraft() {
    draft = { key: newKey(), text: "", headline: "", photos: [] };
    saveDraft();
    store.keepOnly([]);
  }

  function say(key, values) {
    return fill(text[key], values);
  }

  function fill(message, values) {
    return message.replace(/%(?:\((\w+)\)s|%)/g, function (match, name) {
      return name ? values[name] : "%";
    });
  }

  // The form of the first sample count in n's plural category.
  function sayCount(key, count) {
    var forms = text[key];
    var sample = Object.keys(forms).find(function (n) {
      return plurals.select(n) === plurals.select(count);
    });
    return fill(forms[sample], { count: count });
  }

  function showError(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  // Answers, whatever came back, as {ok, status, lost, error, ...body}.
  // `lost`: no answer from the application itself (network, timeout, a
  // proxy's 502/503/504), so whether it acted is unknown.
  function describeStatus(status) {
    if (status === 403) return say("refused");
    if (status === 404) return say("not_found");
    if (status === 413) return say("too_large");
    return say("server_answered", { status: status });
  }

  // A proxy's 502/503/504, or the application failing (500) perhaps after
  // its commit: what was done is unknown.
  function isLostStatus(status) {
    return status === 0 || status >= 500;
  }

  function readAnswer(status, text, redirected, retryAfter) {
    var body = null;
    try {
      body = JSON.parse(text);
    } catch (error) {
      body = null;
    }
    if (redirected && !body) {
      // The admin sends a signed-out author to its login page.
      return { ok: false, status: 401, error: say("signed_out") };
    }
    if (!body || typeof body !== "object") body = { error: describeStatus(status) };
    // Varnish's 413 says only "Request body too large": say what to do.
    if (status === 413) body.error = describeStatus(status);
    // The stream's "status" is the entry's (live, ended): kept under another
    // name, as `status` is the HTTP status from here on.
    if (typeof body.status === "string") body.entryStatus = body.status;
    body.ok = status >= 200 && status < 300;
    body.status = status;
    // The application's own 503 (photos busy) says nothing was done; a
    // proxy's says nothing about what the application did.
    body.lost = isLostStatus(status) && !(status === 503 && retryAfter);
    if (!body.ok && !body.error) body.error = describeStatus(status);
    return body;
  }

  function lostAnswer(message) {
    return { ok: false, status: 0, lost: true, error: message };
  }

  function request(url, body) {
    var controller = new AbortController();
    var timer = setTimeout(function () {
      controller.abort();
    }, REQUEST_TIMEOUT_MS);
    var options = {
      method: body ? "POST" : "GET",
      credentials: "same-origin",
      signal: controller.signal,
      headers: { Accept: "application/json" },
    };
    if (body) {
      options.body = body;
      options.headers["X-CSRFToken"] = csrfToken();
    }
    return fetch(url, options)
      .then(function (response) {
        return response.text().then(function (text) {
          return readAnswer(response.status, text, response.redirected, response.headers.get("Retry-After"));
        });
      })
      .catch(function (error) {
        return lostAnswer(
          error && error.name === "AbortError"
            ? say("timeout", { seconds: REQUEST_TIMEOUT_MS / 1000 })
            : say("unreachable"),
        );
      })
      .then(function (answer) {
        clearTimeout(timer);
        return answer;
      });
  }

  function post(url, body) {
    return request(url, body || new FormData());
  }

  // The composition goes by XMLHttpRequest: fetch cannot tell upload progress.
  function upload(url, body, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var timer = null;
      var uploaded = false;
      function giveUpAfter(ms) {
        clearTimeout(timer);
        timer = setTimeout(function () {
          xhr.abort();
          resolve(Object.assign(lostAnswer(say("timeout_upload")), { uploaded: uploaded }));
        }, ms);
      }
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        giveUpAfter(UPLOAD_STALL_MS);
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      xhr.upload.addEventListener("load", function () {
        uploaded = true;
        giveUpAfter(ANSWER_TIMEOUT_MS);
      });
      xhr.addEventListener("load", function () {
        clearTimeout(timer);
        var redirected =
          !!xhr.responseURL && new URL(xhr.responseURL).pathname !== new URL(url, location.href).pathname;
        var answer = readAnswer(xhr.status, xhr.responseText, redirected, xhr.getResponseHeader("Retry-After"));
        answer.uploaded = true;
        resolve(answer);
      });
      xhr.addEventListener("error", function () {
        clearTimeout(timer);
        resolve(Object.assign(lostAnswer(say("unreachable")), { uploaded: uploaded }));
      });
      giveUpAfter(UPLOAD_STALL_MS);
      xhr.send(body);
    });
  }

  // Photos in the composition: each is stored as attached, then again
  // once shrunk for sending (desk-store.js), which `ready` waits for.
  function addPhotos(files) {
    Array.prototype.forEach.call(files, function (file) {
      if (!file.type || file.type.indexOf("image/") !== 0) return;
      if (photos.length >= maxPhotos) {
        showError(
          formError,
          maxPhotos ? sayCount("max_photos", maxPhotos) : say("no_photos"),
        );
        return;
      }
      var photo = attachPhoto(newKey(), file, {});
      keepFile(photo, file);
      saveDraft();
      photo.node.querySelector(".desk-alt").focus();
    });
  }

  function photoIds() {
    return photos.map(function (photo) {
      return photo.id;
    });
  }

  function keepFile(photo, file) {
    return store.putFile(photo.id, file).then(function (kept) {
      photo.kept = kept;
    });
  }

  function attachPhoto(id, file, fields) {
    var node = template.content.firstElementChild.cloneNode(true);
    var thumb = node.querySelector(".desk-thumb");
    thumb.src = URL.createObjectURL(file);
    node.querySelector(".desk-alt").value = fields.alt || "";
    node.querySelector(".desk-caption").value = fields.caption || "";
    var photo = { id: id, file: file, node: node, kept: false };
    photo.ready = window.LiveblogDeskStore.downscale(file, largestWidth).then(function (smaller) {
      if (smaller === file || photos.indexOf(photo) === -1) return;
      photo.file = smaller;
      return keepFile(photo, smaller);
    });
    node.querySelector(".desk-remove-photo").addEventListener("click", function () {
      URL.revokeObjectURL(thumb.src);
      photos.splice(photos.indexOf(photo), 1);
      node.remove();
      saveDraft();
      store.keepOnly(photoIds());
    });
    node.addEventListener("input", saveDraft);
    photos.push(photo);
    photoList.appendChild(node);
    return photo;
  }

  // The draft's photos as they were, in their order; a file the browser
  // no longer has is left out.
  function restorePhotos() {
    var saved = (draft.photos || []).filter(function (fields) {
      return fields && typeof fields.id === "string";
    });
    return Promise.all(
      saved.map(function (fields) {
        return store.getFile(fields.id);
      }),
    ).then(function (files) {
      saved.forEach(function (fields, index) {
        if (files[index]) attachPhoto(fields.id, files[index], fields).kept = true;
      });
      photosRestored = true;
      saveDraft();
      store.keepOnly(photoIds());
    });
  }

  // Where the browser could not store a photo, leaving would lose it.
  function warnBeforeLosingPhotos(event) {
    var unkept = photos.some(function (photo) {
      return !photo.kept;
    });
    if (!unkept) return;
    event.preventDefault();
    event.returnValue = "";
  }

  function clearPhotos() {
    photos.forEach(function (photo) {
      URL.revokeObjectURL(photo.node.querySelector(".desk-thumb").src);
      photo.node.remove();
    });
    photos = [];
  }

  function composition() {
    var body = new FormData();
    body.append("content", textarea.value);
    body.append("headline", headlineInput.value);
    body.append("key", draft.key);
    photos.forEach(function (photo, index) {
      body.append("photo-" + index, photo.file, photo.file.name || "pasted.png");
      body.append("alt-" + index, photo.node.querySelector(".desk-alt").value);
      body.append("caption-" + index, photo.node.querySelector(".desk-caption").value);
    });
    return body;
  }

  function showPostErrors(answer) {
    var errors = answer.errors || {};
    var messages = (errors.headline || []).concat(errors.content || []);
    showError(formError, messages.join(" ") || answer.error);
    photos.forEach(function (photo, index) {
      var messages = errors["photo-" + index];
      showError(photo.node.querySelector(".desk-photo-error"), messages ? messages.join(" ") : "");
      photo.node.classList.toggle("has-error", !!messages);
    });
    var firstBad = photoList.querySelector(".has-error .desk-alt");
    if (firstBad) firstBad.focus();
  }

  function clearPostErrors() {
    showPostErrors({});
    keyConflict.hidden = true;
  }

  function showSending(message) {
    sendingNote.textContent = message || "";
    sendingNote.hidden = !message;
  }

  function setPosting(busy) {
    posting = busy;
    postButton.disabled = busy;
  }

  function submit(event) {
    if (event) event.preventDefault();
    if (posting) return;
    if (!textarea.value.trim() && !photos.length) {
      showError(formError, say("empty"));
      return;
    }
    setPosting(true);
    clearPostErrors();
    // This send's own answer says what happened to the composition now.
    stopRechecking();
    saveDraft();
    var sent = { key: draft.key, text: textarea.value, headline: headlineInput.value };
    var withPhotos = photos.length > 0;
    showSending(say("sending"));
    // A photo still being shrunk (desk-store.js) is sent once it is.
    Promise.all(
      photos.map(function (photo) {
        // A photo that could not be shrunk or kept is sent as it is.
        return photo.ready.catch(function () {});
      }),
    )
      .then(function () {
        return upload(desk.dataset.postUrl, composition(), function (fraction) {
          if (withPhotos) showSending(say("sending_progress", { percent: Math.floor(fraction * 100) }));
        });
      })
      .then(function (answer) {
      if (answer.ok) return showPosted(answer, sent);
      if (answer.status === 409 && answer.existing) return showKeyConflict(answer);
      if (answer.lost) {
        // The server received no more after this: it may work on it up to SETTLE_MS longer.
        sent.lostAt = Date.now();
        return confirmPosted(sent, answer);
      }
      if (answer.status === 503) answer.error = say("not_posted", { error: answer.error });
      showSending("");
      showPostErrors(answer);
      setPosting(false);
    });
  }

  // The composition is on the server: in the stream, and out of the box
  // (unless the author typed on while its fate was unknown).
  function showPosted(answer, sent) {
    // Told twice (a check and a recheck crossing): the first one did it all.
    if (draft.key !== sent.key) return;
    showSending("");
    clearPostErrors();
    stopRechecking();
    applyItem(answer);
    setCount(answer.count);
    var typedSince = textarea.value !== sent.text || headlineInput.value !== sent.headline;
    clearPhotos();
    if (typedSince) {
      draft.key = newKey();
      saveDraft();
      showError(formError, say("posted_typed_since"));
    } else {
      textarea.value = "";
      headlineInput.value = "";
      clearDraft();
    }
    setPosting(false);
    textarea.focus();
  }

  // The answer was lost: ask before saying anything (issue 19).
  function confirmPosted(sent, failure) {
    if (checking) return;
    checking = true;
    showSending(say("checking"));
    var url = desk.dataset.compositionUrl.replace(/composition-key\/$/, encodeURIComponent(sent.key) + "/");
    return request(url).then(function (answer) {
      checking = false;
      if (answer.ok && answer.posted) return showPosted(answer, sent);
      if (answer.ok) {
        // Only a request that reached the server whole can still land.
        var mayStillLand = failure.uploaded !== false && Date.now() - sent.lostAt < SETTLE_MS;
        showSending("");
        showError(
          formError,
          say(mayStillLand ? "not_posted_yet_retry" : "not_posted_retry", { error: failure.error }),
        );
        setPosting(false);
        // Not answered yet but still on its way: the stream shows it if it lands.
        if (mayStillLand) scheduleRecheck(sent, failure, SETTLE_MS - (Date.now() - sent.lostAt));
        else stopRechecking();
        return;
      }
      showSending("");
      var why = answer.lost ? say("unreachable_why") : answer.error;
      showError(formError, say("unconfirmed", { why: why }));
      unconfirmed = { sent: sent, failure: failure };
      recheckFailures += 1;
      scheduleRecheck(sent, failure, backoff(recheckFailures));
    });
  }

  function scheduleRecheck(sent, failure, delay) {
    clearTimeout(recheckTimer);
    recheckTimer = setTimeout(function () {
      recheck(sent, failure);
    }, Math.max(0, delay));
  }

  function recheck(sent, failure) {
    clearTimeout(recheckTimer);
    if (draft.key !== sent.key || (posting && !unconfirmed)) return;
    confirmPosted(sent, failure);
  }

  function recheckNow() {
    if (unconfirmed) recheck(unconfirmed.sent, unconfirmed.failure);
  }

  function stopRechecking() {
    clearTimeout(recheckTimer);
    unconfirmed = null;
    recheckFailures = 0;
  }

  // The key was used for other content: the author chooses (issue 19).
  function showKeyConflict(answer) {
    showSending("");
    setPosting(false);
    setCount(answer.count);
    keyConflict.querySelector(".desk-key-conflict-message").textContent = answer.error;
    var shown = keyConflict.querySelector(".desk-key-conflict-existing");
    var body = parseItem(answer.existing.html).querySelector(".desk-item-body");
    shown.replaceChildren(body);
    var apply = keyConflict.querySelector("[data-action=apply-as-edit]");
    apply.hidden = !answer.can_apply_as_edit;
    apply.dataset.url = answer.edit_url;
    apply.dataset.revision = answer.existing.revision;
    keyConflict.hidden = false;
    keyConflict.querySelector("[data-action=post-as-new]").focus();
  }

  function keyConflictAction(event) {
    var button = event.target.closest("button[data-action]");
    if (!button || posting) return;
    if (button.dataset.action === "post-as-new") {
      draft.key = newKey();
      saveDraft();
      submit();
    } else if (button.dataset.action === "apply-as-edit") {
      var body = new FormData();
      body.append("content", textarea.value);
      body.append("headline", headlineInput.value);
      body.append("revision", button.dataset.revision);
      var sent = { key: draft.key, text: textarea.value, headline: headlineInput.value };
      setPosting(true);
      button.disabled = true;
      showSending(say("saving_as_edit"));
      post(button.dataset.url, body).then(function (answer) {
        button.disabled = false;
        if (answer.ok) return showPosted(answer, sent);
        showSending("");
        setPosting(false);
        if (answer.status === 409 && answer.current) {
          // Changed again meanwhile: the choice is offered on what it is now.
          button.dataset.revision = answer.current.revision;
          keyConflict.querySelector(".desk-key-conflict-existing")
            .replaceChildren(parseItem(answer.current.html).querySelector(".desk-item-body"));
        }
        showError(formError, answer.error);
      });
    }
  }

  function backoff(failures) {
    var base = Math.min(MAX_BACKOFF_MS, intervalMs * Math.pow(2, failures - 1));
    return base * (0.8 + Math.random() * 0.4);
  }

  // The stream: items from the server's HTML, newest first.
  function parseItem(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function newer(a, b) {
    var pa = Number(a.dataset.published), pb = Number(b.dataset.published);
    return pa > pb || (pa === pb && Number(a.dataset.id) > Number(b.dataset.id));
  }

  function applyItem(item) {
    if (deleted.has(item.id)) return;
    var node = parseItem(item.html);
    var existing = document.getElementById(node.id);
    if (existing) {
      if (Number(existing.dataset.revision) > item.revision) return;
      // An open editor is the author's: it is not replaced under them, but
      // its newer version is shown once it closes.
      if (!existing.querySelector(".desk-edit[hidden]") && existing.querySelector(".desk-edit")) {
        heldBack.set(item.id, item);
        return;
      }
      existing.replaceWith(node);
      return;
    }
    var after = Array.prototype.find.call(stream.children, function (other) {
      return newer(node, other);
    });
    stream.insertBefore(node, after || null);
  }

  function removeItem(id) {
    deleted.add(id);
    heldBack.delete(id);
    var node = document.getElementById("desk-update-" + id);
    if (node) node.remove();
  }

  // The whole phrase: its word agrees with the number ("1 update", "2 updates").
  function setCount(count) {
    if (typeof count !== "number") return;
    var parts = sayCount("updates", count).split(String(count));
    countNumber.textContent = count;
    countNumber.parentNode.replaceChildren(parts[0], countNumber, parts.slice(1).join(count));
  }

  function poll() {
    if (polling) return;
    polling = true;
    request(desk.dataset.streamUrl + "?since=" + since).then(function (answer) {
      polling = false;
      if (!answer.ok || !Array.isArray(answer.updates)) {
        pollFailures += 1;
        return scheduleNextPoll(backoff(pollFailures));
      }
      pollFailures = 0;
      answer.updates.forEach(applyItem);
      answer.deleted.forEach(removeItem);
      setCount(answer.count);
      showStatus(answer.entryStatus);
      if (answer.summary && summaryForm) applySummary(answer.summary);
      var moved = answer.revision > since;
      since = Math.max(since, answer.revision);
      // The connection is back: a post whose fate was unknown is asked about.
      recheckNow();
      scheduleNextPoll(answer.more && moved ? 0 : intervalMs);
    });
  }

  function scheduleNextPoll(delayMs) {
    setTimeout(poll, document.hidden ? Math.max(delayMs, intervalMs * 4) : delayMs);
  }

  // Item actions: edit inline, pin, key event, delete. Each one's error
  // shows in its item, and its button comes back whatever the answer.
  function itemAction(event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var item = button.closest(".desk-item");
    var editor = item.querySelector(".desk-edit");
    var action = button.dataset.action;
    if (action === "edit") {
      showError(item.querySelector(".desk-item-error"), "");
      editor.hidden = false;
      item.querySelector(".desk-item-view").hidden = true;
      editor.querySelector("textarea").focus();
    } else if (action === "cancel") {
      closeEditor(item);
    } else if (action === "keep-mine") {
      // Saved over theirs, knowingly: from the revision just shown.
      editor.elements.revision.value = editor.dataset.theirsRevision;
      saveEdit(editor);
    } else if (action === "take-theirs") {
      closeEditor(item);
    } else if (action === "delete") {
      if (!window.confirm(say("confirm_delete"))) return;
      actOnItem(item, button, editor.dataset.deleteUrl, new FormData(), function (answer) {
        removeItem(answer.deleted);
        setCount(answer.count);
      });
    } else if (action === "flags") {
      var body = new FormData();
      body.append(button.dataset.name, button.dataset.value);
      actOnItem(item, button, editor.dataset.flagsUrl, body, applyItem);
    }
  }

  function actOnItem(item, button, url, body, onDone) {
    var error = item.querySelector(".desk-item-error");
    showError(error, "");
    button.disabled = true;
    post(url, body).then(function (answer) {
      button.disabled = false;
      if (answer.ok) return onDone(answer);
      showError(error, answer.error);
    });
  }

  function closeEditor(item) {
    var editor = item.querySelector(".desk-edit");
    editor.reset();
    editor.hidden = true;
    var conflict = editor.querySelector(".desk-edit-conflict");
    if (conflict) conflict.hidden = true;
    var error = editor.querySelector(".desk-error");
    if (error) showError(error, "");
    item.querySelector(".desk-item-view").hidden = false;
    var newer = heldBack.get(Number(item.dataset.id));
    heldBack.delete(Number(item.dataset.id));
    if (newer) applyItem(newer);
  }

  function saveEdit(editor) {
    if (editor.dataset.saving) return;
    var item = editor.closest(".desk-item");
    var save = editor.querySelector("button[type=submit]");
    var error = editor.querySelector(".desk-error");
    var conflict = editor.querySelector(".desk-edit-conflict");
    editor.dataset.saving = "1";
    save.disabled = true;
    showError(error, "");
    conflict.hidden = true;
    post(editor.dataset.url, new FormData(editor)).then(function (answer) {
      delete editor.dataset.saving;
      save.disabled = false;
      var errors = answer.errors || {};
      editor.querySelectorAll(".desk-photo-error").forEach(function (node) {
        var messages = errors[node.dataset.for];
        showError(node, messages ? messages.join(" ") : "");
      });
      if (answer.status === 409 && answer.current) return showEditConflict(editor, answer);
      if (!answer.ok) {
        var message = (errors.headline || []).concat(errors.content || []).join(" ") || answer.error;
        if (answer.lost) message = say("not_saved", { error: answer.error });
        showError(error, message);
        return;
      }
      closeEditor(item);
      applyItem(answer);
    });
  }

  // Both versions side by side: the author's in the box, theirs below it.
  function showEditConflict(editor, answer) {
    heldBack.set(answer.current.id, answer.current);
    editor.dataset.theirsRevision = answer.current.revision;
    // Their headline too: it may be all they changed.
    var theirs = parseItem(answer.current.html).querySelectorAll(".desk-item-view > .desk-item-headline, .desk-item-view > .desk-item-body");
    var shown = editor.querySelector(".desk-edit-theirs");
    shown.replaceChildren.apply(shown, Array.from(theirs));
    showError(editor.querySelector(".desk-error"), answer.error);
    editor.querySelector(".desk-edit-conflict").hidden = false;
    editor.querySelector("[data-action=keep-mine]").focus();
  }

  // Coverage ended (here or by another author): posting still works, as a
  // correction readers see when they open or reload the page.
  function showStatus(status) {
    if (!status) return;
    var ended = status === "ended";
    form.querySelector(".desk-ended-note").hidden = !ended;
    postButton.textContent = say(ended ? "post_correction" : "post");
  }

  // Go live, End coverage and Reopen act only once their dialog, which says
  // what changes for readers, is confirmed.
  function askToConfirm(event) {
    var button = event.target.closest("button[data-confirm]");
    var dialog = button && document.getElementById(button.dataset.confirm);
    if (!dialog || !dialog.showModal) return;
    event.preventDefault();
    dialog.showModal();
  }

  // The summary ("What we know so far", issue 22): saved on its own, from
  // the summary's revision this box started from (a 409 if it changed).
  var summaryForm = document.querySelector(".desk-summary-form");
  // The summary this box last loaded or saved: while the box still holds
  // it, another author's new summary replaces it (the stream brings it).
  var summaryLoaded = summaryForm ? summaryForm.elements.summary.value : "";

  function saveSummary(event) {
    event.preventDefault();
    var button = summaryForm.querySelector("button[type=submit]");
    var error = summaryForm.querySelector(".desk-summary-error");
    var note = summaryForm.querySelector(".desk-summary-sending");
    if (button.disabled) return;
    button.disabled = true;
    showError(error, "");
    showError(note, "");
    var sent = summaryForm.elements.summary.value;
    post(summaryForm.action, new FormData(summaryForm)).then(function (answer) {
      button.disabled = false;
      // After a conflict, saving again replaces what the other author saved.
      if (answer.revision !== undefined) summaryForm.elements.revision.value = answer.revision;
      if (!answer.ok) {
        showError(error, ((answer.errors || {}).summary || []).join(" ") || answer.error);
        return;
      }
      summaryLoaded = sent;
      summaryForm.querySelector(".desk-summary-changed").hidden = true;
      showSummaryTime(answer.updated);
      showError(note, answer.updated ? say("summary_saved", { time: answer.updated }) : say("summary_removed"));
    });
  }

  function showSummaryTime(updated) {
    var label = document.querySelector(".desk-summary-updated");
    label.querySelector(".desk-summary-time").textContent = updated || "";
    label.hidden = !updated;
  }

  // Another author's summary, from the stream: into the box if its author
  // has not touched it, else beside it, their unsaved text left as it is.
  function applySummary(summary) {
    var revision = summaryForm.elements.revision;
    if (summary.revision <= Number(revision.value)) return;
    var box = summaryForm.elements.summary;
    var changed = summaryForm.querySelector(".desk-summary-changed");
    // Like a 409 answered early: the author has been shown theirs, so a
    // save from here on replaces it.
    revision.value = summary.revision;
    showSummaryTime(summary.updated);
    if (box.value === summaryLoaded) {
      box.value = summary.summary;
      changed.hidden = true;
    } else {
      changed.querySelector(".desk-summary-theirs").textContent = summary.summary;
      changed.hidden = false;
    }
    summaryLoaded = summary.summary;
  }

  function isSubmitKey(event) {
    return event.key === "Enter" && (event.ctrlKey || event.metaKey);
  }

  textarea.value = draft.text || textarea.value;
  headlineInput.value = draft.headline || headlineInput.value;
  saveDraft();
  restorePhotos();
  window.addEventListener("beforeunload", warnBeforeLosingPhotos);
  textarea.addEventListener("input", saveDraft);
  headlineInput.addEventListener("input", saveDraft);
  form.addEventListener("submit", submit);
  form.addEventListener("keydown", function (event) {
    if (isSubmitKey(event)) submit(event);
  });
  if (fileInput) {
    fileInput.addEventListener("change", function () {
      addPhotos(fileInput.files);
      fileInput.value = "";
    });
  }
  form.addEventListener("dragover", function (event) {
    event.preventDefault();
    form.classList.add("is-dropping");
  });
  form.addEventListener("dragleave", function () {
    form.classList.remove("is-dropping");
  });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    form.classList.remove("is-dropping");
    addPhotos(event.dataTransfer.files);
  });
  form.addEventListener("paste", function (event) {
    var files = event.clipboardData && event.clipboardData.files;
    if (files && files.length) {
      event.preventDefault();
      addPhotos(files);
    }
  });
  stream.addEventListener("click", itemAction);
  desk.addEventListener("click", askToConfirm);
  stream.addEventListener("submit", function (event) {
    event.preventDefault();
    saveEdit(event.target);
  });
  stream.addEventListener("keydown", function (event) {
    var editor = event.target.closest(".desk-edit");
    if (!editor) return;
    if (isSubmitKey(event)) {
      event.preventDefault();
      saveEdit(editor);
    } else if (event.key === "Escape") {
      closeEditor(editor.closest(".desk-item"));
    }
  });
  keyConflict.addEventListener("click", keyConflictAction);
  if (summaryForm) {
    summaryForm.addEventListener("submit", saveSummary);
    summaryForm.addEventListener("keydown", function (event) {
      if (isSubmitKey(event)) saveSummary(event);
    });
  }
  window.addEventListener("online", recheckNow);
  textarea.focus();
  scheduleNextPoll(intervalMs);
})();
