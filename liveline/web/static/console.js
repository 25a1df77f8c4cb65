// The console's one script: never lose a word. No build step, no dependencies.
//
// - Every form marked data-keep saves what is typed in localStorage as it is typed, and
//   puts it back after a reload, a crash or a lost connection, until the server has it.
// - The compose box (data-outbox) sends through an outbox in localStorage: each post waits
//   there, with its own Idempotency-Key, until the server acknowledges it; offline, it waits
//   for the connection and is sent once when it returns ("waiting for connection").
// - Ctrl+Enter (Cmd+Enter on a Mac) presses the form's main button.
// Without this script every form still works: it posts, and the server answers with a page.
(function () {
  "use strict";
  var PREFIX = "liveline:";
  // The console's words, in its language, from the catalogue (web/words.py): none are here.
  var lang = document.documentElement.lang || "en-US";
  var words = {};
  try { words = JSON.parse(document.getElementById("page-words").textContent); } catch (e) {}
  function say(key, values) {
    var text = words[key] || "";
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  function sayCount(key, n, values) {
    var forms = words[key] || {};
    var form = forms[new Intl.PluralRules(lang).select(n)] || forms.other || "";
    return Object.keys(values || {}).reduce(function (text, name) {
      return text.split("{" + name + "}").join(values[name]);
    }, form.split("{n}").join(String(n)));
  }
  var FIELDS = ["headline", "body", "authors", "location", "publish_at", "key_event", "pinned",
    "contributors", "image_url", "image_caption", "image_credit", "image_alt"];

  function load(key) {
    try { return JSON.parse(localStorage.getItem(PREFIX + key) || "null"); } catch (e) { return null; }
  }
  function save(key, value) {
    try {
      if (value === null) localStorage.removeItem(PREFIX + key);
      else localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch (e) { /* storage full or off: the form still posts */ }
  }

  function read(form) {
    var text = {};
    FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field) return;
      text[name] = field.type === "checkbox" ? field.checked : field.value;
    });
    return text;
  }
  function write(form, text) {
    FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (!field || !(name in text)) return;
      if (field.type === "checkbox") field.checked = !!text[name];
      else field.value = text[name];
    });
  }
  function blank(text) {
    return !text || !FIELDS.some(function (n) { return typeof text[n] === "string" && text[n].trim() && n !== "authors"; });
  }

  function status(form, message, waiting) {
    var line = form.querySelector(".compose__status");
    if (!line) return;
    line.textContent = message;
    line.classList.toggle("compose__status--waiting", !!waiting);
  }

  // Keep what is typed

  function keep(form) {
    var key = form.dataset.keep;
    var stored = load(key);
    if (stored && !blank(stored)) {
      write(form, stored);
      status(form, say("kept"));
    }
    form.addEventListener("input", function () { save(key, read(form)); });
    form.addEventListener("change", function () { save(key, read(form)); });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        var main = form.querySelector("[data-publish]");
        if (main) form.requestSubmit(main);
      }
    });
  }

  // The outbox: posts leave it only when the server has answered for them

  function outboxKey(form) { return "outbox:" + form.dataset.outbox; }
  function newKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID()
      : String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  function queue(form, submitter) {
    var data = new URLSearchParams(new FormData(form, submitter));
    var keyField = form.elements.namedItem("client_key");
    var entry = { key: keyField.value || newKey(), body: data.toString(), headline: data.get("headline") };
    var outbox = load(outboxKey(form)) || [];
    outbox.push(entry);
    save(outboxKey(form), outbox);
    // The words are in the outbox now; the box is free for the next post, with a new key.
    save(form.dataset.keep, null);
    var byline = form.elements.namedItem("authors").value;
    form.reset();
    write(form, { headline: "", body: "", authors: byline, location: "", publish_at: "", contributors: "",
      image_url: "", image_caption: "", image_credit: "", image_alt: "" });
    keyField.value = newKey();
  }

  var sending = false;
  function flush(form) {
    if (sending) return;
    var outbox = load(outboxKey(form)) || [];
    if (!outbox.length) return;
    if (!navigator.onLine) {
      status(form, sayCount("waiting", outbox.length), true);
      return;
    }
    sending = true;
    var entry = outbox[0];
    var body = new URLSearchParams(entry.body);
    body.set("csrf", form.elements.namedItem("csrf").value); // this page's token: a new sign-in renews it
    status(form, say("sending", { headline: entry.headline }));
    // Not form.action: the buttons are named "action", and that name shadows the property.
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
        "Idempotency-Key": entry.key,
      },
      body: body.toString(),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        sending = false;
        if (response.ok && answer.id) {
          done(form, entry, answer);
        } else if (response.ok || response.status >= 500 || response.status === 401 || response.status === 403) {
          status(form, say(response.status >= 500 ? "notSentRetrying" : "notSentSignIn"), true);
        } else {
          refused(form, entry, answer);
        }
      });
    }, function () {
      sending = false;
      var count = (load(outboxKey(form)) || []).length;
      status(form, sayCount("waiting", count), true);
    });
  }

  function drop(form, entry) {
    var outbox = (load(outboxKey(form)) || []).filter(function (e) { return e.key !== entry.key; });
    save(outboxKey(form), outbox);
    return outbox;
  }

  function done(form, entry, answer) {
    var left = drop(form, entry);
    var word = { published: "published", draft: "draftSaved", scheduled: "scheduled", submitted: "sentToEditors" };
    status(form, say(word[answer.status] || "saved", { headline: entry.headline }));
    if (left.length) return flush(form);
    // Show it in the list, unless the writer has begun the next post (kept anyway).
    if (blank(read(form))) {
      var tab = { draft: "drafts", scheduled: "scheduled", submitted: "queue" }[answer.status];
      location.assign(location.pathname + "?" + (tab ? "tab=" + tab + "&" : "") + "saved=" + answer.id);
    }
  }

  function refused(form, entry, answer) {
    // The server will never take this one as it is: give the words back to fix them.
    drop(form, entry);
    var message = (answer.error && answer.error.message) || say("refused");
    if (blank(read(form))) {
      var params = new URLSearchParams(entry.body);
      var text = {};
      FIELDS.forEach(function (n) { if (params.has(n)) text[n] = n === "key_event" || n === "pinned" ? true : params.get(n); });
      write(form, text);
      save(form.dataset.keep, read(form));
      // Its photos too (console-photos.js puts them back in the tray).
      form.dispatchEvent(new CustomEvent("liveline:refused", { detail: { body: entry.body } }));
    }
    status(form, say("notSent", { reason: message }), true);
  }

  function outbox(form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      queue(form, event.submitter);
      flush(form);
    });
    window.addEventListener("online", function () { flush(form); });
    setInterval(function () { flush(form); }, 5000);
    flush(form); // anything left from before a reload or a crash
  }

  // A live preview, rendered by the server exactly as the reader page renders a post

  function preview(form) {
    var pane = form.querySelector(".console-preview");
    if (!pane) return;
    var timer = null;
    function refresh() {
      var data = new URLSearchParams(new FormData(form));
      if (!(data.get("headline") || "").trim() && !(data.get("body") || "").trim()) {
        pane.hidden = true;
        return;
      }
      fetch(form.dataset.preview, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: data.toString(),
      }).then(function (response) {
        if (!response.ok) return;
        return response.text().then(function (html) {
          // Sanitised by the server, as every post the reader page shows.
          pane.querySelector(".console-preview__post").innerHTML = html;
          pane.hidden = false;
        });
      }, function () { /* offline: the preview waits, the words are kept */ });
    }
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
    refresh();
  }

  // "@" in a byline suggests colleagues: arrows to choose, Enter or Tab to take, Esc to close

  // Everyone who can be named, asked of the server once for the page, however fast the
  // keys come: answers to a keystroke's own ask could land out of order, after a pick.
  var people = null;
  function everyone() {
    if (!people) {
      people = fetch("/edit/_names", { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw r; return r.json(); })
        .then(function (answer) { return answer.people || []; }, function () { people = null; return []; }); // asked again next time
    }
    return people;
  }
  function names(input) {
    var list = document.createElement("ul");
    list.className = "console-names";
    list.id = input.id + "-names";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.insertAdjacentElement("afterend", list);
    var choices = [], chosen = 0, asked = 0;

    function token() {
      var before = input.value.slice(0, input.selectionStart);
      var start = before.lastIndexOf(",") + 1;
      var text = before.slice(start).replace(/^\s+/, "");
      return text.charAt(0) === "@" ? { start: before.length - text.length, query: text.slice(1).toLowerCase() } : null;
    }
    // Closing (a pick, Esc, leaving the field) also drops any answer still on its way.
    function close() { asked++; list.hidden = true; choices = []; input.setAttribute("aria-expanded", "false"); }
    function show() {
      list.innerHTML = "";
      choices.forEach(function (person, index) {
        var item = document.createElement("li");
        item.id = list.id + "-" + index;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", index === chosen ? "true" : "false");
        item.textContent = person.byline + (person.byline !== person.name ? " (@" + person.name + ")" : "");
        item.addEventListener("mousedown", function (event) { event.preventDefault(); take(index); });
        list.appendChild(item);
      });
      list.hidden = !choices.length;
      input.setAttribute("aria-expanded", choices.length ? "true" : "false");
      if (choices.length) input.setAttribute("aria-activedescendant", list.id + "-" + chosen);
    }
    function take(index) {
      var at = token();
      if (!at) return close();
      var rest = input.value.slice(input.selectionStart).replace(/^[^,]*/, "");
      var head = input.value.slice(0, at.start) + choices[index].byline;
      input.value = head + (rest || ", ");
      input.setSelectionRange(head.length + 2, head.length + 2);
      close();
      input.dispatchEvent(new Event("input", { bubbles: true })); // kept like anything typed
    }
    function suggest() {
      var mine = ++asked;
      if (!token()) return close();
      everyone().then(function (all) {
        if (mine !== asked) return; // a later keystroke, or a pick, came first
        var at = token();
        if (!at) return close();
        choices = all.filter(function (p) {
          return p.name.toLowerCase().indexOf(at.query) === 0 || p.byline.toLowerCase().split(" ").some(function (w) { return w.indexOf(at.query) === 0; });
        }).slice(0, 6);
        chosen = 0;
        show();
      });
    }
    input.addEventListener("input", function (event) { if (event.isTrusted) suggest(); });
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        chosen = (chosen + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
        show();
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        take(chosen);
      } else if (event.key === "Escape") {
        close();
      }
    });
  }

  // Presence: an open edit page says so every 15 s, and shows who else has the post open

  function presence(form) {
    var note = document.getElementById("presence");
    function names(list) {
      return list.length <= 1 ? list.join("") : say("names", { names: list.slice(0, -1).join(", "), last: list[list.length - 1] });
    }
    function ping() {
      var body = new URLSearchParams({ csrf: form.elements.namedItem("csrf").value });
      fetch(form.dataset.presence, { method: "POST", credentials: "same-origin", body: body })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (!answer || !note) return;
          var who = answer.editing;
          note.hidden = !who.length;
          note.textContent = who.length ? sayCount("editing", who.length, { names: names(who) }) : "";
        }, function () { /* offline: try again at the next beat */ });
    }
    setInterval(ping, 15000);
    window.addEventListener("pagehide", function () {
      var body = new URLSearchParams({ csrf: form.elements.namedItem("csrf").value, gone: "1" });
      if (navigator.sendBeacon) navigator.sendBeacon(form.dataset.presence, body);
    });
  }

  // After a save the desk names the post it saved: that edit's kept text can go.
  var list = document.getElementById("desk-posts");
  if (list && list.dataset.saved) {
    var slug = location.pathname.split("/")[2];
    save("edit:" + slug + ":" + list.dataset.saved, null);
  }

  // Colleagues' work appears live: the console's own stream (/edit/<blog>/events, for the
  // signed-in person only) says when a post they may see changed — published, drafts, the
  // schedule, the queue, deleted — and the list is fetched again. On every (re)connect it
  // says "hello", and the list is fetched again too: nothing said while away is missed.
  // Never while the writer is inside the list, typing a note (it catches up afterwards).
  function live(list) {
    var refreshing = false, again = false, timer = null;
    function refresh() {
      if (refreshing) { again = true; return; }
      if (list.contains(document.activeElement)) { again = true; return; }
      refreshing = true;
      again = false;
      var query = new URLSearchParams(location.search);
      query.delete("saved");
      fetch(location.pathname + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          refreshing = false;
          if (!html || list.contains(document.activeElement)) { again = true; return; }
          var page = new DOMParser().parseFromString(html, "text/html");
          [".desk-posts", ".desk-tabs", ".desk-head__meta"].forEach(function (selector) {
            var fresh = page.querySelector(selector), here = document.querySelector(selector);
            if (fresh && here) here.innerHTML = fresh.innerHTML;
          });
          if (again) soon();
        }, function () { refreshing = false; });
    }
    function soon() { clearTimeout(timer); timer = setTimeout(refresh, 150); }
    list.addEventListener("focusout", function () { if (again) soon(); });
    if (window.EventSource) {
      var source = new EventSource(list.dataset.stream);
      ["hello", "post", "gone", "public"].forEach(function (type) { source.addEventListener(type, soon); });
      source.addEventListener("signed-out", function () { source.close(); });
      // A fallback only while the stream is down (a proxy that buffers it, say).
      setInterval(function () { if (source.readyState !== EventSource.OPEN) refresh(); }, 20000);
    } else {
      setInterval(refresh, 20000);
    }
  }

  document.querySelectorAll("form[data-keep]").forEach(keep);
  document.querySelectorAll("form[data-preview]").forEach(preview);
  document.querySelectorAll("input[data-names]").forEach(names);
  document.querySelectorAll("form[data-presence]").forEach(presence);
  document.querySelectorAll("form[data-outbox]").forEach(outbox);
  if (list) live(list);
  // A button that copies a field's text (a new API token, shown once)
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copy);
    button.addEventListener("click", function () {
      field.select();
      var copied = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(field.value)
        : Promise.resolve(document.execCommand("copy"));
      copied.then(function () { button.textContent = say("copied"); }, function () { button.textContent = say("selected"); });
    });
  });
  // Delegated: the list's forms are replaced when it refreshes.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
