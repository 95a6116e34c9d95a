// What the live desk keeps in this browser until the server confirms a post
// (issue 19), and how it shrinks a photo before sending it. Loaded before
// desk.js, which is its only user: window.LiveblogDeskStore.
//
// - The draft (text, composition key, each photo's alt text and caption) is
//   one localStorage item per user and entry, so on a shared newsroom
//   machine nobody sees another author's unsent text.
// - The photos' files are in IndexedDB (localStorage holds strings of a few
//   MB in all): one record per photo, keyed [scope, photo id], so typing an
//   alt text rewrites a small string and never a photo.
// - Signing out clears both: the admin's logout answers with
//   Clear-Site-Data (liveblog/signout.py).
(function () {
  "use strict";

  var DATABASE = "liveblog-desk";
  var FILES = "files";
  // Photos are shrunk only to a width a little above the largest the server
  // stores (updates/photos.py WIDTHS), so what readers get is unchanged:
  // the server still turns, strips and resizes it itself.
  var HEADROOM = 1.0625;
  var QUALITY = 0.85;

  var database = null;

  function openDatabase() {
    if (database) return database;
    database = new Promise(function (resolve, reject) {
      if (!window.indexedDB) throw new Error("no IndexedDB");
      var request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(FILES);
      };
      request.onsuccess = function () {
        var db = request.result;
        // Another tab (or a sign-out) deleting the database must not wait for us.
        db.onversionchange = function () {
          db.close();
          database = null;
        };
        resolve(db);
      };
      request.onerror = function () {
        reject(request.error);
      };
      request.onblocked = function () {
        reject(new Error("IndexedDB blocked"));
      };
    });
    database.catch(function () {
      database = null;
    });
    return database;
  }

  function transact(mode, work) {
    return openDatabase().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(FILES, mode);
        var result = work(transaction.objectStore(FILES));
        transaction.oncomplete = function () {
          resolve(result && "result" in result ? result.result : undefined);
        };
        transaction.onerror = transaction.onabort = function () {
          reject(transaction.error || new Error("IndexedDB transaction failed"));
        };
      });
    });
  }

  function open(scope) {
    function everyFile() {
      // Array keys sort after strings: [scope, []] is above every [scope, id].
      return IDBKeyRange.bound([scope], [scope, []]);
    }

    return {
      loadDraft: function () {
        try {
          return JSON.parse(localStorage.getItem(scope)) || {};
        } catch (error) {
          return {};
        }
      },
      saveDraft: function (draft) {
        try {
          localStorage.setItem(scope, JSON.stringify(draft));
        } catch (error) {
          // Storage full or disabled: the text stays in the box.
        }
      },
      // Resolves true once the file is stored, false where it cannot be.
      putFile: function (id, file) {
        return transact("readwrite", function (files) {
          files.put(file, [scope, id]);
        }).then(
          function () {
            return true;
          },
          function () {
            return false;
          },
        );
      },
      getFile: function (id) {
        return transact("readonly", function (files) {
          return files.get([scope, id]);
        }).catch(function () {
          return undefined;
        });
      },
      // Removes this draft's files but those named; resolves either way.
      keepOnly: function (ids) {
        return transact("readwrite", function (files) {
          var cursor = files.openKeyCursor(everyFile());
          cursor.onsuccess = function () {
            var at = cursor.result;
            if (!at) return;
            if (ids.indexOf(at.key[1]) === -1) files.delete(at.key);
            at.continue();
          };
        }).catch(function () {});
      },
    };
  }

  function encode(bitmap, width, height) {
    if (window.OffscreenCanvas) {
      var offscreen = new OffscreenCanvas(width, height);
      offscreen.getContext("2d").drawImage(bitmap, 0, 0, width, height);
      return offscreen.convertToBlob({ type: "image/jpeg", quality: QUALITY });
    }
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    return new Promise(function (resolve, reject) {
      canvas.toBlob(
        function (blob) {
          if (blob) resolve(blob);
          else reject(new Error("toBlob failed"));
        },
        "image/jpeg",
        QUALITY,
      );
    });
  }

  // A JPEG wider (once turned upright) than the largest stored width, as a
  // smaller upright JPEG; anything else, or where the browser cannot, the
  // file itself. Only JPEGs: a PNG or GIF may be a screenshot or have
  // transparency, which JPEG would blur or lose.
  function downscale(file, largestWidth) {
    var limit = Math.round(largestWidth * HEADROOM);
    if (file.type !== "image/jpeg" || !largestWidth || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    var full = null;
    return createImageBitmap(file, { imageOrientation: "from-image" })
      .then(function (bitmap) {
        full = bitmap;
        if (bitmap.width <= limit) return null;
        var height = Math.max(1, Math.round((bitmap.height * limit) / bitmap.width));
        return createImageBitmap(bitmap, {
          resizeWidth: limit,
          resizeHeight: height,
          resizeQuality: "high",
        }).then(function (small) {
          return encode(small, limit, height).finally(function () {
            small.close();
          });
        });
      })
      .then(function (blob) {
        if (!blob || blob.size >= file.size) return file;
        return new File([blob], file.name || "photo.jpg", { type: "image/jpeg" });
      })
      .catch(function () {
        return file;
      })
      .finally(function () {
        if (full) full.close();
      });
  }

  window.LiveblogDeskStore = { open: open, downscale: downscale };
})();
