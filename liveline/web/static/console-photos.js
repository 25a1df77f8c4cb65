// The console's photo tray: drop, paste or pick several photos at once; each is uploaded at
// once (POST /api/media) with a progress bar of its own, and gets its caption, credit and
// description beside it; photos can be moved, removed, cropped and turned. No build step.
//
// Without this script the tray is a file input in the form (sent as multipart) and a Remove
// box per photo (web/console/photos.py): everything here is an addition to that.
(function () {
  "use strict";
  var TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];
  // Its words, in the console's language, from the catalogue (web/words.py's photo_words,
  // given by the page as console.js's are): none are here.
  var lang = document.documentElement.lang || "en-US";
  var words = {};
  try { words = JSON.parse(document.getElementById("page-words").textContent).photos || {}; } catch (e) {}
  function fill(text, values) {
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  function word(key, values) { return fill(words[key] || "", values); }
  function wordCount(key, n, values) {
    var forms = words[key] || {};
    var form = forms[new Intl.PluralRules(lang).select(n)] || forms.other || "";
    return fill(form.split("{n}").join(String(n)), values);
  }
  var ASPECTS = [[word("free"), 0], ["16:9", 16 / 9], ["4:3", 4 / 3], ["1:1", 1]];

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }
  function button(text, label) {
    var b = el("button", { type: "button", text: text });
    if (label) b.setAttribute("aria-label", label);
    return b;
  }
  function errorOf(xhr) {
    try {
      var answer = JSON.parse(xhr.responseText);
      if (answer.error && answer.error.message) return answer.error.message;
    } catch (e) { /* not JSON: a proxy's page */ }
    return xhr.status ? word("serverAnswered", { status: xhr.status }) : word("connectionLost");
  }
  function field(slot, name) { return slot.querySelector("[data-field='" + name + "']"); }

  function tray(box) {
    var form = box.closest("form");
    var list = box.querySelector(".photos__list");
    var picker = box.querySelector(".photos__picker");
    var drop = box.querySelector("[data-drop]");
    var status = box.querySelector(".photos__status");
    var csrf = box.dataset.csrf;
    var uploading = 0;
    var ids = 0;

    box.classList.add("photos--js");
    box.querySelectorAll("[data-nojs]").forEach(function (node) {
      node.hidden = true;
      node.querySelectorAll("input").forEach(function (input) { input.disabled = true; });
    });
    box.querySelectorAll(".photos__js-only").forEach(function (node) { node.hidden = false; });

    function say(message) { status.textContent = message; }

    // The fields are numbered in the order shown: that order is the post's.
    function renumber() {
      Array.prototype.forEach.call(list.children, function (slot, index) {
        slot.querySelectorAll("[data-field]").forEach(function (input) {
          if (!input.name) return;
          input.name = input.name.replace(/^photo-\d+-/, "photo-" + index + "-");
        });
        var up = slot.querySelector("[data-move='-1']"), down = slot.querySelector("[data-move='1']");
        if (up) up.disabled = index === 0;
        if (down) down.disabled = index === list.children.length - 1;
      });
    }

    function hidden(name, value) {
      return el("input", { type: "hidden", name: "photo-0-" + name, value: value || "", "data-field": name });
    }
    function labelled(slot, name, label, hint, max) {
      var id = "photo-" + (++ids) + "-" + name + "-" + Math.random().toString(36).slice(2, 7);
      var input = el("input", { id: id, name: "photo-0-" + name, maxlength: String(max), "data-field": name });
      var caption = el("label", { for: id, text: label });
      if (hint) caption.appendChild(el("span", { class: "hint", text: " " + hint }));
      return el("div", {}, [caption, input]);
    }

    // A slot the script made: for a file being uploaded, or one kept from before a reload.
    function newSlot(file, kept) {
      kept = kept || {};
      var picture = el("div", { class: "photo__picture" }, [
        el("img", { src: file ? URL.createObjectURL(file) : kept.thumb, alt: "", width: "160" }),
      ]);
      var fields = el("div", { class: "photo__fields" }, [
        el("p", { class: "photo__name", text: file ? file.name : kept.name || "" }),
        labelled(null, "caption", word("caption"), "", 2000),
        el("div", { class: "console-row" }, [
          labelled(null, "credit", word("credit"), "", 300),
          labelled(null, "alt", word("description"), word("forReaders"), 2000),
        ]),
      ]);
      if (file) {
        var progress = el("progress", { class: "photo__progress", max: "100", value: "0" });
        progress.setAttribute("aria-label", word("uploadingFile", { name: file.name }));
        fields.insertBefore(progress, fields.children[1]);
      }
      var slot = el("li", { class: "photo" + (file ? " photo--uploading" : ""), "data-slot": "" }, [
        hidden("media", kept.media), hidden("url"), hidden("thumb", kept.thumb), picture, fields,
      ]);
      slot.dataset.name = file ? file.name : kept.name || "";
      ["caption", "credit", "alt"].forEach(function (name) { field(slot, name).value = kept[name] || ""; });
      return slot;
    }

    // The compose box keeps its photos across a reload, as console.js keeps its words.
    var keepKey = form.dataset.outbox && form.dataset.keep ? "liveline:photos:" + form.dataset.keep : null;
    function keepNow() {
      if (!keepKey) return;
      var slots = Array.prototype.map.call(list.children, function (slot) {
        var media = field(slot, "media").value;
        if (!media) return null;
        return { media: media, thumb: field(slot, "thumb").value, name: slot.dataset.name || "",
          caption: field(slot, "caption").value, credit: field(slot, "credit").value, alt: field(slot, "alt").value };
      }).filter(Boolean);
      try {
        if (slots.length) localStorage.setItem(keepKey, JSON.stringify(slots));
        else localStorage.removeItem(keepKey);
      } catch (e) { /* storage full or off: the photos are uploaded anyway */ }
    }
    function restore() {
      if (!keepKey || list.children.length) return;
      var kept = null;
      try { kept = JSON.parse(localStorage.getItem(keepKey) || "null"); } catch (e) { kept = null; }
      (kept || []).forEach(function (item) {
        var slot = newSlot(null, item);
        list.appendChild(slot);
        controls(slot);
      });
      if (kept && kept.length) say(word("kept"));
    }

    // A post the server refused comes back to the compose box to be fixed (console.js): its
    // photos with it, from the fields it was sent with, as a reload brings kept ones back.
    form.addEventListener("liveline:refused", function (event) {
      if (list.children.length) return;
      var items = [];
      new URLSearchParams(event.detail.body).forEach(function (value, name) {
        var found = /^photo-(\d+)-(media|thumb|caption|credit|alt)$/.exec(name);
        if (!found) return;
        var item = items[+found[1]] = items[+found[1]] || {};
        item[found[2]] = value;
      });
      items.forEach(function (item) {
        if (!item || !item.media) return;
        var slot = newSlot(null, item);
        list.appendChild(slot);
        controls(slot);
      });
      if (!list.children.length) return;
      renumber();
      keepNow();
      changed();
    });

    function controls(slot) {
      if (slot.querySelector(".photo__actions")) return;
      var up = button("↑", word("moveUp")), down = button("↓", word("moveDown"));
      up.dataset.move = "-1";
      down.dataset.move = "1";
      var crop = button(word("crop"));
      crop.className = "photo__crop";
      var remove = button(word("remove"));
      remove.className = "danger";
      var actions = el("div", { class: "photo__actions" }, [up, down, crop, remove]);
      slot.querySelector(".photo__fields").appendChild(actions);
      up.addEventListener("click", function () { move(slot, -1, up); });
      down.addEventListener("click", function () { move(slot, 1, down); });
      remove.addEventListener("click", function () {
        if (slot.xhr) slot.xhr.abort();
        var next = slot.nextElementSibling || slot.previousElementSibling;
        slot.remove();
        renumber();
        changed();
        say(word("removed"));
        var focus = next ? next.querySelector(".photo__crop, button") : picker;
        if (focus) focus.focus();
      });
      crop.addEventListener("click", function () { cropDialog(slot, crop); });
      crop.hidden = !field(slot, "media").value;
    }

    function move(slot, by, from) {
      var other = by < 0 ? slot.previousElementSibling : slot.nextElementSibling;
      if (!other) return;
      if (by < 0) list.insertBefore(slot, other); else list.insertBefore(other, slot);
      renumber();
      changed();
      from.focus();
      say(word(by < 0 ? "movedUp" : "movedDown"));
    }

    function changed() { form.dispatchEvent(new Event("input", { bubbles: true })); }

    function showUpload(slot, answer) {
      field(slot, "media").value = answer.id;
      field(slot, "url").value = "";
      var thumb = (answer.renditions[0] || {}).url || answer.url;
      field(slot, "thumb").value = thumb;
      var picture = slot.querySelector(".photo__picture");
      picture.innerHTML = "";
      picture.appendChild(el("img", { src: thumb, alt: "", width: "160" }));
      slot.classList.remove("photo--uploading", "photo--failed");
      var progress = slot.querySelector(".photo__progress");
      if (progress) progress.remove();
      var give = slot.querySelectorAll(".photo__give, .photo__file");
      give.forEach(function (node) { node.remove(); });
      var crop = slot.querySelector(".photo__crop");
      if (crop) crop.hidden = false;
      changed();
    }

    // One file, one request: XMLHttpRequest, for its upload progress.
    function send(file, slot) {
      if (TYPES.indexOf(file.type) < 0 && file.type) {
        fail(slot, word("notType", { name: file.name }));
        return;
      }
      var progress = slot.querySelector(".photo__progress");
      if (!progress) {
        progress = el("progress", { class: "photo__progress", max: "100", value: "0" });
        progress.setAttribute("aria-label", word("uploadingFile", { name: file.name }));
        slot.querySelector(".photo__fields").insertBefore(progress, slot.querySelector(".photo__fields").firstChild);
      }
      slot.classList.add("photo--uploading");
      var body = new FormData();
      body.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      slot.xhr = xhr;
      uploading += 1;
      xhr.open("POST", "/api/media");
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) progress.value = Math.round(100 * event.loaded / event.total);
      });
      xhr.addEventListener("loadend", function () {
        uploading -= 1;
        slot.xhr = null;
        if (xhr.status === 201) {
          progress.value = 100;
          showUpload(slot, JSON.parse(xhr.responseText));
          say(word("uploaded", { name: file.name }) + (uploading ? " " + wordCount("stillUploading", uploading) : ""));
        } else if (slot.isConnected) {
          fail(slot, file.name + ": " + errorOf(xhr));
        }
      });
      xhr.send(body);
    }

    function fail(slot, message) {
      slot.classList.remove("photo--uploading");
      slot.classList.add("photo--failed");
      var progress = slot.querySelector(".photo__progress");
      if (progress) progress.remove();
      var line = el("p", { class: "photo__error", role: "alert", text: word("notUploaded", { reason: message }) });
      slot.querySelector(".photo__fields").insertBefore(line, slot.querySelector(".photo__fields").firstChild);
      // A photo that did not upload is no part of the post: its words are not sent.
      slot.querySelectorAll("[data-field]").forEach(function (input) { input.disabled = true; });
      say(word("notUploaded", { reason: message }));
    }

    function add(files) {
      var taken = 0;
      Array.prototype.forEach.call(files, function (file) {
        if (file.type && file.type.indexOf("image/") !== 0) {
          say(word("notPicture", { name: file.name }));
          return;
        }
        var slot = newSlot(file);
        list.appendChild(slot);
        controls(slot);
        renumber();
        send(file, slot);
        taken += 1;
      });
      if (taken) say(wordCount("uploading", taken));
    }

    // The slots the page came with: controls, and their own "give it its photo" input.
    Array.prototype.forEach.call(list.children, function (slot) {
      controls(slot);
      var own = field(slot, "file");
      if (own) {
        own.addEventListener("change", function () {
          if (!own.files.length) return;
          var file = own.files[0];
          own.value = "";
          send(file, slot);
        });
      }
    });
    restore();
    renumber();
    form.addEventListener("input", keepNow);
    form.addEventListener("change", keepNow);

    picker.addEventListener("change", function () {
      var files = Array.prototype.slice.call(picker.files);
      picker.value = ""; // uploaded by the script: not sent again with the form
      add(files);
    });
    ["dragenter", "dragover"].forEach(function (type) {
      box.addEventListener(type, function (event) {
        if (!event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") < 0) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        drop.classList.add("photos__drop--over");
      });
    });
    box.addEventListener("dragleave", function (event) {
      if (!box.contains(event.relatedTarget)) drop.classList.remove("photos__drop--over");
    });
    box.addEventListener("drop", function (event) {
      drop.classList.remove("photos__drop--over");
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      add(event.dataTransfer.files);
    });
    form.addEventListener("paste", function (event) {
      var files = event.clipboardData && event.clipboardData.files;
      if (!files || !files.length) return; // text is pasted as text
      event.preventDefault();
      add(files);
    });
    // A post is not sent while a photo of it is still on its way: it would go without it.
    document.addEventListener("submit", function (event) {
      if (event.target !== form || !uploading) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      say(wordCount("wait", uploading));
    }, true);
    // The compose box is cleared for the next post once the outbox has this one.
    form.addEventListener("reset", function () {
      Array.prototype.slice.call(list.children).forEach(function (slot) {
        if (slot.xhr) slot.xhr.abort();
        slot.remove();
      });
      if (keepKey) try { localStorage.removeItem(keepKey); } catch (e) { /* off */ }
      say("");
    });
  }

  // Crop and turn: the server cuts from the original (POST /api/media/{id}/crop); the
  // rectangle is in the original's pixels. Works from the keyboard: numbers, and arrows.

  var dialog = null;
  function cropDialog(slot, opener) {
    var media = field(slot, "media").value;
    if (!media) return;
    var csrf = slot.closest("[data-photos]").dataset.csrf;
    getJson("/api/media/" + media).then(function (item) {
      if (item.source) {
        return getJson("/api/media/" + item.source).then(function (original) { return [original, item.crop]; });
      }
      return [item, null];
    }).then(function (found) {
      openCrop(slot, opener, csrf, found[0], found[1]);
    }, function (message) { alert(word("cannotOpen", { reason: message })); });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (!response.ok) throw (answer.error && answer.error.message) || String(response.status);
          return answer;
        });
      });
  }

  function openCrop(slot, opener, csrf, original, earlier) {
    if (dialog) dialog.remove();
    var W = original.width, H = original.height;
    var state = earlier ? { x: earlier.x, y: earlier.y, w: earlier.width, h: earlier.height, rotate: earlier.rotate }
      : { x: 0, y: 0, w: W, h: H, rotate: 0 };
    var aspect = 0;
    // The largest rendition in the original's own format is shown; the numbers are the
    // original's pixels.
    var shown = original.renditions.filter(function (r) { return r.type === original.type; });
    var src = (shown[shown.length - 1] || original).url;

    var image = el("img", { src: src, alt: word("toCrop"), draggable: "false" });
    var area = el("div", { class: "crop__box", tabindex: "0", role: "group",
      "aria-label": word("cropArea") });
    ["nw", "ne", "sw", "se"].forEach(function (corner) {
      area.appendChild(el("span", { class: "crop__handle crop__handle--" + corner, "data-corner": corner }));
    });
    var stage = el("div", { class: "crop__stage" }, [image, area]);
    var preview = el("canvas", { class: "crop__preview", width: "160", height: "160", "aria-hidden": "true" });

    var inputs = {};
    var numbers = el("div", { class: "crop__numbers" });
    [["x", word("left")], ["y", word("top")], ["w", word("width")], ["h", word("height")]].forEach(function (pair) {
      var id = "crop-" + pair[0];
      var input = el("input", { id: id, type: "number", min: "0", step: "1", inputmode: "numeric" });
      inputs[pair[0]] = input;
      numbers.appendChild(el("div", {}, [el("label", { for: id, text: pair[1] }), input]));
      input.addEventListener("change", function () {
        var value = parseInt(input.value, 10);
        if (isNaN(value)) return draw();
        state[pair[0]] = value;
        if (aspect && (pair[0] === "w" || pair[0] === "h")) keepAspect(pair[0]);
        fit();
        draw();
      });
    });

    var aspectButtons = ASPECTS.map(function (pair) {
      var b = button(pair[0]);
      b.setAttribute("aria-pressed", pair[1] === 0 ? "true" : "false");
      b.addEventListener("click", function () {
        aspect = pair[1];
        aspectButtons.forEach(function (other) { other.setAttribute("aria-pressed", other === b ? "true" : "false"); });
        if (aspect) keepAspect("w");
        fit();
        draw();
      });
      return b;
    });
    var left = button("⟲ " + word("turnLeft")), right = button("⟳ " + word("turnRight"));
    var turned = el("span", { class: "crop__turned", "aria-live": "polite" });
    left.addEventListener("click", function () { turn(270); });
    right.addEventListener("click", function () { turn(90); });
    var error = el("p", { class: "console-error crop__error", role: "alert", hidden: "" });
    var apply = button(word("apply"));
    apply.className = "primary";
    var cancel = button(word("cancel"));
    var title = el("h2", { class: "console-subtitle", id: "crop-title", text: word("title") });

    dialog = el("dialog", { class: "crop", "aria-labelledby": "crop-title" }, [
      title,
      el("div", { class: "crop__tools" }, [
        el("div", { class: "crop__aspects", role: "group", "aria-label": word("shape") }, aspectButtons),
        el("div", { class: "crop__turns", role: "group", "aria-label": word("turn") }, [left, right, turned]),
      ]),
      el("div", { class: "crop__body" }, [stage, el("div", { class: "crop__side" }, [
        el("p", { class: "hint", text: word("asReaders") }), preview, numbers]),
      ]),
      error,
      el("div", { class: "console-actions" }, [apply, cancel]),
    ]);
    document.body.appendChild(dialog);

    // The box's aspect is the result's, turned back when the result is turned a quarter.
    function boxAspect() { return state.rotate % 180 ? 1 / aspect : aspect; }
    function keepAspect(from) {
      var a = boxAspect();
      if (from === "w") state.h = Math.round(state.w / a); else state.w = Math.round(state.h * a);
      if (state.h > H) { state.h = H; state.w = Math.round(H * a); }
      if (state.w > W) { state.w = W; state.h = Math.round(W / a); }
    }
    function fit() {
      state.w = Math.max(1, Math.min(W, Math.round(state.w)));
      state.h = Math.max(1, Math.min(H, Math.round(state.h)));
      state.x = Math.max(0, Math.min(W - state.w, Math.round(state.x)));
      state.y = Math.max(0, Math.min(H - state.h, Math.round(state.y)));
    }
    function turn(by) {
      state.rotate = (state.rotate + by) % 360;
      if (aspect) keepAspect("w");
      fit();
      draw();
    }
    function scale() { return image.clientWidth ? image.clientWidth / W : 1; }
    function draw() {
      var s = scale();
      area.style.left = state.x * s + "px";
      area.style.top = state.y * s + "px";
      area.style.width = state.w * s + "px";
      area.style.height = state.h * s + "px";
      inputs.x.value = state.x; inputs.y.value = state.y;
      inputs.w.value = state.w; inputs.h.value = state.h;
      inputs.x.max = W - 1; inputs.y.max = H - 1; inputs.w.max = W; inputs.h.max = H;
      turned.textContent = state.rotate ? word("turned", { degrees: state.rotate }) : word("notTurned");
      if (!image.complete || !image.naturalWidth) return;
      var quarter = state.rotate % 180 !== 0;
      var outW = quarter ? state.h : state.w, outH = quarter ? state.w : state.h;
      var k = 160 / Math.max(outW, outH);
      preview.width = Math.max(1, Math.round(outW * k));
      preview.height = Math.max(1, Math.round(outH * k));
      var context = preview.getContext("2d");
      var n = image.naturalWidth / W;
      context.save();
      context.translate(preview.width / 2, preview.height / 2);
      context.rotate(state.rotate * Math.PI / 180);
      context.drawImage(image, state.x * n, state.y * n, state.w * n, state.h * n,
        -state.w * k / 2, -state.h * k / 2, state.w * k, state.h * k);
      context.restore();
    }
    image.addEventListener("load", draw);
    window.addEventListener("resize", draw);

    // Dragging the box moves it; dragging a corner resizes it (keeping the shape chosen).
    var drag = null;
    stage.addEventListener("pointerdown", function (event) {
      var corner = event.target.dataset && event.target.dataset.corner;
      if (!corner && event.target !== area) return;
      event.preventDefault();
      area.setPointerCapture(event.pointerId);
      drag = { corner: corner, x0: event.clientX, y0: event.clientY, start: Object.assign({}, state) };
    });
    area.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var s = scale(), dx = (event.clientX - drag.x0) / s, dy = (event.clientY - drag.y0) / s, o = drag.start;
      if (!drag.corner) {
        state.x = o.x + dx; state.y = o.y + dy;
      } else {
        var west = drag.corner.indexOf("w") >= 0, north = drag.corner.indexOf("n") >= 0;
        var right = o.x + o.w, bottom = o.y + o.h;
        var x = west ? Math.min(right - 1, Math.max(0, o.x + dx)) : o.x;
        var y = north ? Math.min(bottom - 1, Math.max(0, o.y + dy)) : o.y;
        var w = west ? right - x : Math.min(W - o.x, Math.max(1, o.w + dx));
        var h = north ? bottom - y : Math.min(H - o.y, Math.max(1, o.h + dy));
        if (aspect) {
          var a = boxAspect();
          if (Math.abs(dx) > Math.abs(dy)) h = w / a; else w = h * a;
          if (west) x = right - w;
          if (north) y = bottom - h;
        }
        state.x = x; state.y = y; state.w = w; state.h = h;
      }
      fit();
      draw();
    });
    area.addEventListener("pointerup", function () { drag = null; });
    area.addEventListener("keydown", function (event) {
      var step = Math.max(1, Math.round(W / 100));
      var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[event.key];
      if (!moves) return;
      event.preventDefault();
      if (event.shiftKey) {
        state.w += moves[0]; state.h += moves[1];
        if (aspect) keepAspect(moves[0] ? "w" : "h");
      } else {
        state.x += moves[0]; state.y += moves[1];
      }
      fit();
      draw();
    });

    function close() {
      window.removeEventListener("resize", draw);
      dialog.close();
      dialog.remove();
      dialog = null;
      opener.focus();
    }
    cancel.addEventListener("click", close);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
    apply.addEventListener("click", function () {
      apply.disabled = true;
      error.hidden = true;
      var cut = { x: state.x, y: state.y, width: state.w, height: state.h, rotate: state.rotate };
      fetch("/api/media/" + original.id + "/crop", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(cut),
      }).then(function (response) {
        return response.json().then(function (answer) {
          apply.disabled = false;
          if (!response.ok) {
            error.textContent = (answer.error && answer.error.message) || word("cropRefused");
            error.hidden = false;
            return;
          }
          var thumb = (answer.renditions[0] || {}).url || answer.url;
          field(slot, "media").value = answer.id;
          field(slot, "thumb").value = thumb;
          var picture = slot.querySelector(".photo__picture");
          picture.innerHTML = "";
          picture.appendChild(el("img", { src: thumb, alt: "", width: "160" }));
          slot.closest("form").dispatchEvent(new Event("input", { bubbles: true }));
          close();
        });
      }, function () {
        apply.disabled = false;
        error.textContent = word("notCropped");
        error.hidden = false;
      });
    });
    dialog.showModal();
    fit();
    draw();
    area.focus();
  }

  document.querySelectorAll("[data-photos]").forEach(tray);
})();
