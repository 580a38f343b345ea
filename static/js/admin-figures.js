/*
 * Pictures on the issue page, chosen in place: one dialog, no popup windows.
 *
 * - An image field (an entry's picture, the hero) shows its picture with "Change",
 *   "Edit alt text, caption, credit" and "Remove".
 * - Every markdown field gets "Insert picture…"; dropping or pasting a picture into it
 *   opens the same dialog with the file chosen. The picture is placed on its own line as
 *   `![alt](url)`, which readers see as a figure with its caption and credit.
 * - Alt text is always asked for, never made up from the file name.
 * The endpoints are ImageAdmin's (newsletter/admin/image_chooser.py).
 */
"use strict";
(function () {
    const ACCEPT = "image/jpeg,image/png,image/gif,image/webp";
    let dialog = null;
    let state = null; // {mode: "field"|"markdown"|"describe", image, onDone, file}

    function config() {
        const root = document.getElementById("composer") || document.body;
        return {
            choose: root.dataset.chooseUrl,
            upload: root.dataset.uploadUrl,
            describe: root.dataset.describeUrl, // ends in /0/describe/
        };
    }

    function csrf() {
        const input = document.querySelector("[name=csrfmiddlewaretoken]");
        return input ? input.value : "";
    }

    function el(tag, attrs, text) {
        const node = document.createElement(tag);
        Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
        if (text !== undefined) { node.textContent = text; }
        return node;
    }

    function post(url, data) {
        data.append("csrfmiddlewaretoken", csrf());
        return fetch(url, {method: "POST", body: data, credentials: "same-origin",
            headers: {"X-CSRFToken": csrf(), "X-Requested-With": "XMLHttpRequest"}})
            .then((r) => r.json().then((body) => ({ok: r.ok, status: r.status, body})));
    }

    function build() {
        dialog = el("dialog", {"class": "figure-dialog", "aria-labelledby": "figure-dialog-title"});
        dialog.innerHTML = `
<form method="dialog" class="figure-dialog-form" novalidate>
  <h2 id="figure-dialog-title">Picture</h2>
  <div class="fd-tabs" role="tablist">
    <button type="button" role="tab" data-tab="upload" aria-selected="true">Upload a picture</button>
    <button type="button" role="tab" data-tab="choose" aria-selected="false">Choose an uploaded picture</button>
  </div>
  <section class="fd-pane" data-pane="upload">
    <label class="fd-drop">
      <span>Drop a picture here, or choose a file (JPEG, PNG, GIF or WebP)</span>
      <input type="file" name="file" accept="${ACCEPT}">
    </label>
  </section>
  <section class="fd-pane" data-pane="choose" hidden>
    <label>Search <input type="search" class="fd-search" placeholder="alt text, caption, credit"></label>
    <div class="fd-grid" role="listbox" aria-label="Uploaded pictures"></div>
  </section>
  <div class="fd-chosen"><img class="fd-preview" alt="" hidden></div>
  <fieldset class="fd-words">
    <label>Alt text <span class="fd-required">(required)</span>
      <textarea name="alt_text" rows="2" required placeholder="What the picture shows, for people who cannot see it"></textarea></label>
    <label>Caption <input type="text" name="caption" maxlength="500"></label>
    <label>Credit <input type="text" name="credit" maxlength="200"></label>
    <label>Credit link <input type="url" name="credit_url" maxlength="200" placeholder="https://"></label>
  </fieldset>
  <p class="fd-errors" role="alert"></p>
  <div class="fd-buttons">
    <button type="button" class="button fd-cancel">Cancel</button>
    <button type="submit" class="button default fd-ok">Insert picture</button>
  </div>
</form>`;
        document.body.appendChild(dialog);
        const form = dialog.querySelector("form");
        dialog.querySelectorAll("[data-tab]").forEach((tab) =>
            tab.addEventListener("click", () => showTab(tab.dataset.tab)));
        dialog.querySelector(".fd-cancel").addEventListener("click", () => dialog.close());
        const file = form.querySelector('input[type=file]');
        file.addEventListener("change", () => chooseFile(file.files[0]));
        const drop = dialog.querySelector(".fd-drop");
        drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("is-over"); });
        drop.addEventListener("dragleave", () => drop.classList.remove("is-over"));
        drop.addEventListener("drop", function (e) {
            e.preventDefault();
            drop.classList.remove("is-over");
            if (e.dataTransfer.files.length) { chooseFile(e.dataTransfer.files[0]); }
        });
        let searchTimer = null;
        dialog.querySelector(".fd-search").addEventListener("input", function (e) {
            clearTimeout(searchTimer);
            searchTimer = setTimeout(() => loadChoices(e.target.value), 250);
        });
        form.addEventListener("submit", function (e) {
            e.preventDefault();
            submit();
        });
    }

    function showTab(name) {
        dialog.querySelectorAll("[data-tab]").forEach((t) => t.setAttribute("aria-selected", String(t.dataset.tab === name)));
        dialog.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== name; });
        if (name === "choose") { loadChoices(dialog.querySelector(".fd-search").value); }
    }

    function setWords(image) {
        const form = dialog.querySelector("form");
        ["alt_text", "caption", "credit", "credit_url"].forEach(function (name) {
            form.elements[name].value = image ? image[name] || "" : "";
        });
    }

    function showPreview(src) {
        const img = dialog.querySelector(".fd-preview");
        img.hidden = !src;
        if (src) { img.src = src; }
    }

    function chooseFile(file) {
        if (!file) { return; }
        state.file = file;
        state.image = null;
        // A data: URL, which the Content-Security-Policy's img-src allows (a blob: one it blocks).
        const reader = new FileReader();
        reader.onload = function () { if (state && state.file === file) { showPreview(reader.result); } };
        reader.readAsDataURL(file);
        const alt = dialog.querySelector('[name=alt_text]');
        alt.value = "";
        alt.focus();
    }

    function loadChoices(query) {
        const grid = dialog.querySelector(".fd-grid");
        fetch(config().choose + "?q=" + encodeURIComponent(query || ""), {credentials: "same-origin"})
            .then((r) => r.json())
            .then(function (body) {
                grid.replaceChildren();
                if (!body.images.length) {
                    grid.appendChild(el("p", {}, "No picture matches."));
                }
                body.images.forEach(function (image) {
                    const option = el("button", {"type": "button", "class": "fd-choice", "role": "option",
                        "aria-selected": String(state.image && state.image.id === image.id)});
                    const thumb = el("img", {"src": image.thumbnail, "alt": ""});
                    option.appendChild(thumb);
                    option.appendChild(el("span", {}, image.alt_text));
                    option.addEventListener("click", function () {
                        grid.querySelectorAll(".fd-choice").forEach((o) => o.setAttribute("aria-selected", "false"));
                        option.setAttribute("aria-selected", "true");
                        state.image = image;
                        state.file = null;
                        setWords(image);
                        showPreview(image.thumbnail);
                    });
                    grid.appendChild(option);
                });
            });
    }

    function open(mode, options) {
        if (!dialog) { build(); }
        state = Object.assign({mode: mode, image: null, file: null}, options);
        const form = dialog.querySelector("form");
        form.reset();
        dialog.querySelector(".fd-errors").textContent = "";
        dialog.querySelector(".fd-grid").replaceChildren();
        showPreview(null);
        const title = dialog.querySelector("#figure-dialog-title");
        const ok = dialog.querySelector(".fd-ok");
        const tabs = dialog.querySelector(".fd-tabs");
        tabs.hidden = mode === "describe";
        if (mode === "describe") {
            title.textContent = "Words of the picture";
            ok.textContent = "Save";
            setWords(state.image);
            showPreview(state.image.thumbnail);
            dialog.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = true; });
        } else {
            title.textContent = mode === "markdown" ? "Insert a picture" : "Choose a picture";
            ok.textContent = mode === "markdown" ? "Insert picture" : "Use this picture";
            showTab(options && options.file ? "upload" : (options && options.tab) || "upload");
        }
        dialog.showModal();
        if (options && options.file) {
            chooseFile(options.file);
        } else {
            const first = mode === "describe" ? form.elements.alt_text : dialog.querySelector('[data-tab="upload"]');
            first.focus();
        }
    }

    function fail(messages) {
        dialog.querySelector(".fd-errors").textContent = (messages || ["Something went wrong."]).join(" ");
    }

    function submit() {
        const form = dialog.querySelector("form");
        const words = {};
        ["alt_text", "caption", "credit", "credit_url"].forEach((n) => { words[n] = form.elements[n].value.trim(); });
        if (!words.alt_text) {
            fail(["Describe the picture for people who cannot see it: alt text is required."]);
            form.elements.alt_text.focus();
            return;
        }
        const data = new FormData();
        Object.entries(words).forEach(([k, v]) => data.append(k, v));
        let request;
        if (state.mode !== "describe" && state.file) {
            data.append("file", state.file);
            request = post(config().upload, data);
        } else if (state.image) {
            const same = Object.keys(words).every((k) => (state.image[k] || "") === words[k]);
            if (same) {
                finish(state.image);
                return;
            }
            data.append("stamp", state.image.stamp);
            request = post(config().describe.replace("/0/", "/" + state.image.id + "/"), data);
        } else {
            fail(["Upload a picture or choose one first."]);
            return;
        }
        dialog.querySelector(".fd-ok").disabled = true;
        request.then(function (result) {
            dialog.querySelector(".fd-ok").disabled = false;
            if (!result.ok) {
                if (result.status === 409 && result.body.current) {
                    state.image = result.body.current;
                }
                fail(result.body.errors);
                return;
            }
            finish(result.body);
        }).catch(function () {
            dialog.querySelector(".fd-ok").disabled = false;
            fail(["Could not reach the server. Nothing was lost: try again."]);
        });
    }

    function finish(image) {
        dialog.close();
        state.onDone(image);
    }

    // Image fields -----------------------------------------------------------------------

    function chooserOf(node) { return node.closest(".image-chooser"); }

    function showChosen(chooser, image) {
        const input = chooser.querySelector("input[type=hidden]");
        input.value = image ? image.id : "";
        chooser.dataset.image = image ? JSON.stringify(image) : "";
        const preview = chooser.querySelector(".image-chooser-preview");
        preview.replaceChildren();
        if (image) {
            preview.appendChild(el("img", {"class": "admin-thumbnail", "src": image.thumbnail, "alt": image.alt_text, "width": "160"}));
            const words = el("span", {"class": "image-chooser-words"});
            words.appendChild(el("span", {"class": "image-chooser-alt"}, image.alt_text));
            if (image.caption) { words.appendChild(el("span", {"class": "image-chooser-caption"}, image.caption)); }
            if (image.credit) { words.appendChild(el("span", {"class": "image-chooser-credit"}, "Credit: " + image.credit)); }
            preview.appendChild(words);
        } else {
            preview.appendChild(el("span", {"class": "image-chooser-none"}, "No picture"));
        }
        chooser.querySelector('[data-chooser-action="choose"]').textContent = image ? "Change picture…" : "Choose or upload a picture…";
        chooser.querySelector('[data-chooser-action="describe"]').hidden = !image;
        chooser.querySelector('[data-chooser-action="remove"]').hidden = !image;
        input.dispatchEvent(new Event("change", {bubbles: true}));
    }

    function currentImage(chooser) {
        if (chooser.dataset.image) { return Promise.resolve(JSON.parse(chooser.dataset.image)); }
        const id = chooser.querySelector("input[type=hidden]").value;
        if (!id) { return Promise.resolve(null); }
        return fetch(config().choose + "?id=" + encodeURIComponent(id), {credentials: "same-origin"})
            .then((r) => r.json()).then((body) => body.images[0] || null);
    }

    document.addEventListener("click", function (e) {
        const button = e.target.closest("[data-chooser-action]");
        if (!button) { return; }
        const chooser = chooserOf(button);
        const action = button.dataset.chooserAction;
        if (action === "remove") {
            showChosen(chooser, null);
        } else if (action === "choose") {
            open("field", {tab: "choose", onDone: (image) => showChosen(chooser, image)});
        } else if (action === "describe") {
            currentImage(chooser).then(function (image) {
                if (image) { open("describe", {image: image, onDone: (saved) => showChosen(chooser, saved)}); }
            });
        }
    });

    // Markdown fields ------------------------------------------------------------------

    function isMarkdown(node) {
        return node && node.matches && node.matches("textarea.markdownx-editor");
    }

    function insertPicture(textarea, image, alt) {
        const text = "![" + alt.replace(/([\\[\]])/g, "\\$1") + "](" + image.url + ")";
        const start = textarea.selectionStart ?? textarea.value.length;
        const end = textarea.selectionEnd ?? start;
        const before = textarea.value.slice(0, start);
        const after = textarea.value.slice(end);
        const lead = before === "" || before.endsWith("\n\n") ? "" : (before.endsWith("\n") ? "\n" : "\n\n");
        const trail = after === "" || after.startsWith("\n\n") ? "" : (after.startsWith("\n") ? "\n" : "\n\n");
        textarea.value = before + lead + text + trail + after;
        const caret = (before + lead + text).length;
        textarea.focus();
        textarea.setSelectionRange(caret, caret);
        textarea.dispatchEvent(new Event("input", {bubbles: true}));
    }

    function openFor(textarea, file) {
        // The caret is kept: the dialog takes focus away from the field.
        const caret = [textarea.selectionStart, textarea.selectionEnd];
        open("markdown", {file: file, onDone: function (image) {
            textarea.setSelectionRange(caret[0], caret[1]);
            insertPicture(textarea, image, dialog.querySelector("[name=alt_text]").value.trim() || image.alt_text);
        }});
    }

    function pictureFile(list) {
        return Array.from(list || []).find((f) => ACCEPT.split(",").includes(f.type));
    }

    // Capture phase: markdownx would otherwise upload the file at once, alt text made up.
    document.addEventListener("drop", function (e) {
        if (!isMarkdown(e.target)) { return; }
        const file = pictureFile(e.dataTransfer && e.dataTransfer.files);
        if (!file) { return; }
        e.preventDefault();
        e.stopImmediatePropagation();
        openFor(e.target, file);
    }, true);
    document.addEventListener("paste", function (e) {
        if (!isMarkdown(e.target)) { return; }
        const file = pictureFile(e.clipboardData && e.clipboardData.files);
        if (!file) { return; }
        e.preventDefault();
        e.stopImmediatePropagation();
        openFor(e.target, file);
    }, true);

    function addInsertButtons(root) {
        root.querySelectorAll("textarea.markdownx-editor").forEach(function (textarea) {
            if (textarea.dataset.figures || textarea.closest(".empty-form")) { return; }
            textarea.dataset.figures = "1";
            const button = el("button", {"type": "button", "class": "button figure-insert"}, "Insert picture…");
            button.addEventListener("click", () => openFor(textarea, null));
            const box = textarea.closest(".markdownx") || textarea;
            box.after(button);
        });
    }

    document.addEventListener("DOMContentLoaded", function () {
        addInsertButtons(document);
        new MutationObserver(() => addInsertButtons(document)).observe(document.body, {childList: true, subtree: true});
    });

    window.adminFigures = {open: open};
})();
