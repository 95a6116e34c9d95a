// The live desk (updates/desk.py): compose, post photos, and run the
// stream of an entry from one admin page. Markup comes from the server
// (answers carry each stream item's HTML; the photo card is a <template> in
// the page); nothing typed is lost: the draft, photos included, stays in
// this browser (desk-store.js) until the server confirms it, and a failed
// post keeps text and photos.
(function () {
  "use strict";

  var desk = document.getElementById("desk");
  if (!desk || !window.fetch) return;

  var form = desk.querySelector(".desk-compose");
  var textarea = form.querySelector("textarea");
  var photoList = form.querySelector(".desk-photos");
  var fileInput = form.querySelector(".desk-file");
  var formError = form.querySelector(".desk-error");
  var postButton = form.querySelector(".desk-post");
  var template = document.getElementById("desk-photo-template");
  var stream = desk.querySelector(".desk-stream");
  var countNumber = desk.querySelector(".desk-count-number");
  var store = window.LiveblogDeskStore.open(
    "liveblog.desk." + desk.dataset.user + "." + desk.dataset.entry,
  );
  var largestWidth = Number(desk.dataset.photoWidth) || 0;
  // 0 when the account may not add photos (no add permission on Photo).
  var maxPhotos = Number(desk.dataset.maxPhotos) || 0;
  var intervalMs = (Number(desk.dataset.pollInterval) || 5) * 1000;
  var since = Number(desk.dataset.revision) || 0;
  var photos = []; // {id, file, node, ready, kept}
  // Until the saved photos are back, saving the draft keeps their list.
  var photosRestored = false;
  var posting = false;
  var polling = false;
  var deleted = new Set();

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
    if (photosRestored) draft.photos = photos.map(photoFields);
    store.saveDraft(draft);
  }

  function clearDraft() {
    draft = { key: newKey(), text: "", photos: [] };
    saveDraft();
    store.keepOnly([]);
  }

  function showError(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return { error: "The server answered " + response.status + "." };
        })
        .then(function (body) {
          body.ok = response.ok;
          body.status = response.status;
          return body;
        });
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
          maxPhotos
            ? "At most " + maxPhotos + " photos per update."
            : "Your account may not add photos.",
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
    showError(formError, (errors.content || []).join(" ") || answer.error);
    photos.forEach(function (photo, index) {
      var messages = errors["photo-" + index];
      showError(photo.node.querySelector(".desk-photo-error"), messages ? messages.join(" ") : "");
      photo.node.classList.toggle("has-error", !!messages);
    });
    var firstBad = photoList.querySelector(".has-error .desk-alt");
    if (firstBad) firstBad.focus();
  }

  function submit(event) {
    if (event) event.preventDefault();
    if (posting) return;
    if (!textarea.value.trim() && !photos.length) {
      showError(formError, "Write something or add a photo.");
      return;
    }
    posting = true;
    postButton.disabled = true;
    saveDraft();
    // A photo still being shrunk is sent once it is.
    Promise.all(
      photos.map(function (photo) {
        return photo.ready;
      }),
    )
      .then(function () {
        return post(desk.dataset.postUrl, composition());
      })
      .then(function (answer) {
        if (!answer.ok) return showPostErrors(answer);
        showError(formError, "");
        applyItem(answer);
        setCount(answer.count);
        textarea.value = "";
        clearPhotos();
        clearDraft();
        textarea.focus();
      })
      .catch(function () {
        showError(formError, "Not posted: the server could not be reached. Your text and photos are kept; post again.");
      })
      .then(function () {
        posting = false;
        postButton.disabled = false;
      });
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
      // An open editor is the author's: it is not replaced under them.
      if (!existing.querySelector(".desk-edit[hidden]") && existing.querySelector(".desk-edit")) return;
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
    var node = document.getElementById("desk-update-" + id);
    if (node) node.remove();
  }

  function setCount(count) {
    if (typeof count === "number") countNumber.textContent = count;
  }

  function poll() {
    if (polling) return schedule();
    polling = true;
    fetch(desk.dataset.streamUrl + "?since=" + since, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (body) {
        body.updates.forEach(applyItem);
        body.deleted.forEach(removeItem);
        setCount(body.count);
        showStatus(body.status);
        since = Math.max(since, body.revision);
      })
      .catch(function () {
        // The next poll tries again.
      })
      .then(function () {
        polling = false;
        schedule();
      });
  }

  function schedule() {
    setTimeout(poll, document.hidden ? intervalMs * 4 : intervalMs);
  }

  // Item actions: edit inline, pin, key event, delete.
  function itemAction(event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var item = button.closest(".desk-item");
    var editor = item.querySelector(".desk-edit");
    var action = button.dataset.action;
    if (action === "edit") {
      editor.hidden = false;
      item.querySelector(".desk-item-view").hidden = true;
      editor.querySelector("textarea").focus();
    } else if (action === "cancel") {
      closeEditor(item);
    } else if (action === "delete") {
      if (!window.confirm("Delete this update? Readers' pages will remove it.")) return;
      button.disabled = true;
      post(editor.dataset.deleteUrl, new FormData()).then(function (answer) {
        button.disabled = false;
        if (!answer.ok) return window.alert(answer.error || "Not deleted.");
        removeItem(answer.deleted);
        setCount(answer.count);
      });
    } else if (action === "flags") {
      var body = new FormData();
      body.append(button.dataset.name, button.dataset.value);
      button.disabled = true;
      post(editor.dataset.flagsUrl, body).then(function (answer) {
        button.disabled = false;
        if (answer.ok) applyItem(answer);
      });
    }
  }

  function closeEditor(item) {
    var editor = item.querySelector(".desk-edit");
    editor.reset();
    editor.hidden = true;
    item.querySelector(".desk-item-view").hidden = false;
  }

  function saveEdit(editor) {
    var item = editor.closest(".desk-item");
    post(editor.dataset.url, new FormData(editor))
      .then(function (answer) {
        var errors = answer.errors || {};
        editor.querySelectorAll(".desk-photo-error").forEach(function (node) {
          var messages = errors[node.dataset.for];
          showError(node, messages ? messages.join(" ") : "");
        });
        if (!answer.ok) {
          showError(editor.querySelector(".desk-error"), (errors.content || []).join(" ") || answer.error);
          return;
        }
        closeEditor(item);
        applyItem(answer);
      })
      .catch(function () {
        showError(editor.querySelector(".desk-error"), "Not saved: the server could not be reached.");
      });
  }

  // Coverage ended (here or by another author): posting still works, as a
  // correction readers see when they open or reload the page.
  function showStatus(status) {
    if (!status) return;
    var ended = status === "ended";
    form.querySelector(".desk-ended-note").hidden = !ended;
    postButton.textContent = ended ? "Post correction" : "Post";
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

  function isSubmitKey(event) {
    return event.key === "Enter" && (event.ctrlKey || event.metaKey);
  }

  textarea.value = draft.text || textarea.value;
  saveDraft();
  restorePhotos();
  window.addEventListener("beforeunload", warnBeforeLosingPhotos);
  textarea.addEventListener("input", saveDraft);
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
  textarea.focus();
  schedule();
})();
