/*
 * The issue composer: the issue page as one editor for the whole issue.
 *
 * - Beside the form: the contents (every section and entry, a click away) and the live
 *   preview, the issue body rendered by the server from what is typed (debounced).
 * - Sections and entries collapse; entries move up, down and to another section from
 *   the keyboard as well as by dragging (django-nested-admin does the form bookkeeping).
 * - Autosave a few seconds after typing stops, through the page's own save path and its
 *   version check; a conflict is shown and nothing is overwritten. Leaving with unsaved
 *   changes asks first.
 */
"use strict";
(function () {
    const AUTOSAVE_MS = 3000;
    const PREVIEW_MS = 700;
    const STORE = "composer:";
    const SECTION = "#sections-group > .djn-items > .djn-inline-form";

    function debounce(fn, ms) {
        let timer = null;
        const run = function () {
            clearTimeout(timer);
            timer = setTimeout(fn, ms);
        };
        run.cancel = function () { clearTimeout(timer); };
        return run;
    }

    function el(tag, attrs, text) {
        const node = document.createElement(tag);
        Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
        if (text !== undefined) { node.textContent = text; }
        return node;
    }

    function realForms(group) {
        // The inline forms of a formset, without its template row.
        const items = group.querySelector(":scope > .djn-items, :scope > fieldset > .djn-items");
        if (!items) { return []; }
        return Array.from(items.children).filter(
            (f) => f.classList.contains("djn-inline-form") && !f.classList.contains("djn-empty-form")
                && !f.id.endsWith("-empty"));
    }

    function titleOf(form) {
        // Its title field, or on a read-only page (in review, approved) the title shown.
        const input = form.querySelector(':scope input[name$="-title"]');
        if (input) { return input.value.trim(); }
        const shown = form.querySelector(":scope .field-title p, :scope .field-title .readonly");
        return shown ? shown.textContent.trim() : "";
    }

    // Fields whose value is not the one the page was sent with (the server's content): typed
    // while the page was still loading, before the composer listened for edits.
    function sentSelection(select) {
        const options = Array.from(select.options);
        return options.some((o) => o.defaultSelected)
            ? options.map((o) => o.defaultSelected)
            : options.map((o, i) => i === 0 && !select.multiple && select.size <= 1);
    }
    function notAsSent(field) {
        if (!field.name || field.disabled) { return false; }
        if (field.type === "checkbox" || field.type === "radio") {
            return field.checked !== field.defaultChecked;
        }
        if (field.tagName === "SELECT") {
            const sent = sentSelection(field);
            return Array.from(field.options).some((o, i) => o.selected !== sent[i]);
        }
        if (field.type === "hidden" || field.type === "file" || !("defaultValue" in field)) {
            return false;
        }
        return field.value !== field.defaultValue;
    }

    function isDeleted(form) {
        const box = form.querySelector(':scope > h3 input[name$="-DELETE"]');
        return box && box.checked;
    }

    document.addEventListener("DOMContentLoaded", function () {
        const root = document.getElementById("composer");
        const form = document.getElementById("issue_form");
        const sections = document.getElementById("sections-group");
        if (!root || !form || !root.dataset.previewUrl) { return; }
        document.body.classList.add("composer-page");
        const $ = window.django && window.django.jQuery;
        // The browser is not to keep what the fields hold when the page is left, to put it
        // back on Back or Reload: that copy may be from before someone else's save, and the
        // page would show it as saved, and autosave it over theirs at the next keystroke.
        form.setAttribute("autocomplete", "off");

        // Layout: the form on the left, the contents and the preview on the right ------------
        const layout = el("div", {"class": "composer-layout"});
        form.parentNode.insertBefore(layout, form);
        layout.appendChild(form);
        const side = el("aside", {"class": "composer-side", "aria-label": "Contents and preview"});
        layout.appendChild(side);

        const status = el("p", {"class": "composer-status", "role": "status", "aria-live": "polite"});
        side.appendChild(status);
        const toc = el("details", {"class": "composer-toc", "open": ""});
        toc.appendChild(el("summary", {}, "Contents"));
        const tocList = el("ol", {"class": "composer-toc-list"});
        toc.appendChild(tocList);
        side.appendChild(toc);

        const previewBox = el("details", {"class": "composer-preview", "open": ""});
        previewBox.appendChild(el("summary", {}, "Preview, as readers will see it"));
        const frame = el("iframe", {
            "class": "composer-preview-frame",
            "title": "Preview of the issue as readers will see it",
            "sandbox": "allow-same-origin allow-popups",
        });
        previewBox.appendChild(frame);
        side.appendChild(previewBox);

        // Status ----------------------------------------------------------------------------
        let savedAt = root.dataset.savedAt;
        let dirty = false;
        let conflict = false;
        function showStatus(text, kind) {
            status.textContent = text;
            status.className = "composer-status" + (kind ? " composer-status-" + kind : "");
        }
        function idle() {
            if (conflict) { return; }
            showStatus(dirty ? "Unsaved changes" : "All changes saved" + (savedAt ? " · last saved " + savedAt : ""),
                dirty ? "dirty" : "saved");
        }
        if (root.dataset.refused) {
            // The page is the answer to a refused save: what it shows is not saved.
            dirty = true;
            conflict = root.dataset.refused === "conflict";
            showStatus(conflict
                ? "Not saved: someone else saved this issue first (see the message in the form). "
                    + "Autosave has stopped."
                : "Not saved: correct what the form marks, then save.",
            conflict ? "conflict" : "error");
        }
        idle();

        // Contents --------------------------------------------------------------------------
        function entryForms(sectionForm) {
            return Array.from(sectionForm.querySelectorAll(":scope .djn-group-nested"))
                .flatMap(realForms);
        }
        function jumpTo(target) {
            target.classList.remove("composer-collapsed");
            const section = target.closest(SECTION);
            if (section) { section.classList.remove("composer-collapsed"); }
            target.scrollIntoView({block: "start"});
            const input = target.querySelector('input[name$="-title"]');
            if (input) { input.focus({preventScroll: true}); }
            showInPreview(titleOf(target));
        }
        function buildToc() {
            tocList.replaceChildren();
            if (!sections) { return; }
            realForms(sections).forEach(function (sectionForm) {
                const li = el("li", {"class": "composer-toc-section" + (isDeleted(sectionForm) ? " is-deleted" : "")});
                const link = el("button", {"type": "button", "class": "composer-toc-link"},
                    titleOf(sectionForm) || "New section");
                link.addEventListener("click", () => jumpTo(sectionForm));
                li.appendChild(link);
                const entries = entryForms(sectionForm);
                if (entries.length) {
                    const ol = el("ol");
                    entries.forEach(function (entry) {
                        const kind = entry.id.includes("-papers-") ? "Paper" : "Item";
                        const item = el("li", {"class": isDeleted(entry) ? "is-deleted" : ""});
                        const b = el("button", {"type": "button", "class": "composer-toc-link"},
                            titleOf(entry) || "New " + kind.toLowerCase());
                        b.prepend(el("span", {"class": "composer-kind"}, kind));
                        b.addEventListener("click", () => jumpTo(entry));
                        item.appendChild(b);
                        ol.appendChild(item);
                    });
                    li.appendChild(ol);
                }
                tocList.appendChild(li);
            });
        }

        // Collapsing and moving ----------------------------------------------------------
        function sectionForms() { return sections ? realForms(sections) : []; }
        function enhance(inlineForm) {
            if (inlineForm.dataset.composer) { return; }
            const heading = inlineForm.querySelector(":scope > h3");
            if (!heading || inlineForm.id.endsWith("-empty")) { return; }
            inlineForm.dataset.composer = "1";
            const tools = el("span", {"class": "composer-tools"});
            const collapse = el("button", {"type": "button", "class": "composer-collapse", "aria-expanded": "true"}, "Collapse");
            collapse.addEventListener("click", function () {
                const collapsed = inlineForm.classList.toggle("composer-collapsed");
                collapse.setAttribute("aria-expanded", String(!collapsed));
                collapse.textContent = collapsed ? "Expand" : "Collapse";
                sessionStorage.setItem(STORE + location.pathname + inlineForm.id, collapsed ? "1" : "");
            });
            ["mousedown", "pointerdown"].forEach((type) => collapse.addEventListener(type, (e) => e.stopPropagation()));
            tools.appendChild(collapse);
            const isEntry = /-(items|papers)-\d+$/.test(inlineForm.id);
            if (isEntry && $) {
                const up = el("button", {"type": "button", "class": "composer-move", "aria-label": "Move up"}, "↑");
                const down = el("button", {"type": "button", "class": "composer-move", "aria-label": "Move down"}, "↓");
                const move = el("select", {"class": "composer-move-to", "aria-label": "Move to section"});
                up.addEventListener("click", () => moveWithin(inlineForm, -1));
                down.addEventListener("click", () => moveWithin(inlineForm, +1));
                move.addEventListener("focus", () => fillMoveTo(move, inlineForm));
                move.addEventListener("change", () => moveTo(inlineForm, move.value));
                [up, down, move].forEach(function (control) {
                    ["mousedown", "pointerdown"].forEach((type) => control.addEventListener(type, (e) => e.stopPropagation()));
                    tools.appendChild(control);
                });
                fillMoveTo(move, inlineForm);
            }
            heading.appendChild(tools);
            if (sessionStorage.getItem(STORE + location.pathname + inlineForm.id)) {
                collapse.click();
            }
        }
        function fillMoveTo(select, entry) {
            const here = entry.closest(SECTION);
            select.replaceChildren(el("option", {"value": ""}, "Move to…"));
            sectionForms().forEach(function (s) {
                if (s !== here) {
                    select.appendChild(el("option", {"value": s.id}, titleOf(s) || "New section"));
                }
            });
        }
        function group(entry) { return entry.closest(".djn-group"); }
        function items(groupEl) {
            return groupEl.querySelector(":scope > .djn-items, :scope > fieldset > .djn-items");
        }
        // The form is put in place first; nested-admin then renumbers the forms, updates
        // the management counts and the entry's section, as after a drag.
        function moveWithin(entry, step) {
            const forms = realForms(group(entry));
            const index = forms.indexOf(entry) + step;
            if (index < 0 || index >= forms.length) { return; }
            const other = forms[index];
            if (step < 0) { other.before(entry); } else { other.after(entry); }
            $(group(entry)).djangoFormset().spliceInto($(entry), index);
            changed();
            entry.querySelector(":scope > h3 .composer-move").focus();
        }
        function moveTo(entry, sectionId) {
            if (!sectionId) { return; }
            const kind = entry.id.includes("-papers-") ? "papers" : "items";
            const target = document.getElementById(sectionId + "-" + kind + "-group");
            if (!target) { return; }
            const forms = realForms(target);
            const list = items(target);
            const last = forms.length ? forms[forms.length - 1] : list.querySelector(":scope > .djn-no-drag");
            last.after(entry);
            $(target).djangoFormset().spliceInto($(entry), forms.length);
            document.getElementById(sectionId).classList.remove("composer-collapsed");
            changed();
            const title = entry.querySelector('input[name$="-title"]');
            if (title) { title.focus(); }
        }
        function enhanceAll() {
            form.querySelectorAll(".djn-inline-form").forEach(enhance);
        }

        // Preview -------------------------------------------------------------------------
        let previewWanted = null;
        function showInPreview(title) {
            previewWanted = title;
            const doc = frame.contentDocument;
            if (!doc || !title) { return; }
            const heading = Array.from(doc.querySelectorAll("article.entry h3, section.issue-section h2"))
                .find((h) => h.textContent.trim() === title);
            // The preview's own window scrolls, never the page: scrollIntoView also scrolls
            // every scrollable ancestor, the editor's page with them, and a click that had
            // just focused a button (Collapse) then landed on whatever moved under it.
            const view = frame.contentWindow;
            if (heading && view) { view.scrollTo(0, heading.getBoundingClientRect().top + view.scrollY); }
        }
        let previewSeq = 0;
        const refreshPreview = debounce(function () {
            const seq = ++previewSeq;
            const data = new FormData(form);
            fetch(root.dataset.previewUrl, {method: "POST", body: data, credentials: "same-origin",
                headers: {"X-Requested-With": "XMLHttpRequest"}})
                .then((r) => r.ok ? r.text() : Promise.reject(r.status))
                .then(function (html) {
                    if (seq !== previewSeq) { return; }
                    const y = frame.contentWindow ? frame.contentWindow.scrollY : 0;
                    frame.onload = function () {
                        frame.contentWindow.scrollTo(0, y);
                        frame.dataset.ready = String(seq);
                    };
                    frame.srcdoc = html;
                })
                .catch(() => {});
        }, PREVIEW_MS);
        form.addEventListener("focusin", function (e) {
            const entry = e.target.closest(".djn-inline-form");
            if (entry) { showInPreview(titleOf(entry)); }
        });

        // Autosave and leaving safely -----------------------------------------------------
        const canSave = root.dataset.autosave === "on";
        let saving = false;
        let again = false;
        let submitting = false;
        const autosave = debounce(save, AUTOSAVE_MS);
        function changed() {
            dirty = true;
            idle();
            buildToc();
            refreshPreview();
            if (canSave && !conflict) { autosave(); }
        }
        function save() {
            if (!dirty || conflict || submitting) { return; }
            if (saving) { again = true; return; }
            saving = true;
            again = false;
            dirty = false;
            showStatus("Saving…", "saving");
            const data = new FormData(form);
            data.append("_autosave", "1");
            fetch(form.action || location.href, {method: "POST", body: data, credentials: "same-origin",
                headers: {"X-Requested-With": "XMLHttpRequest"}})
                .then((r) => r.json().then((body) => [r.status, body]))
                .then(function ([code, body]) {
                    saving = false;
                    if (body.saved) {
                        form.querySelector('input[name="base_version"]').value = body.version;
                        savedAt = body.saved_at;
                        if (body.reload && !dirty) {
                            // New, removed or moved rows: reload to number the forms afresh.
                            remember();
                            submitting = true;
                            location.reload();
                            return;
                        }
                        idle();
                    } else {
                        dirty = true;
                        if (code === 409) {
                            conflict = true;
                            showStatus((body.errors || []).join(" ") + " Autosave has stopped.", "conflict");
                        } else {
                            showStatus("Not saved yet: " + (body.errors || ["the page has errors"]).join("; "), "error");
                        }
                    }
                    if (again || (dirty && !conflict && code !== 400)) { autosave(); }
                })
                .catch(function () {
                    saving = false;
                    dirty = true;
                    showStatus("Could not reach the server; your changes are still here. Retrying…", "error");
                    autosave();
                });
        }
        function remember() {
            const active = document.activeElement;
            sessionStorage.setItem(STORE + "restore", JSON.stringify({
                path: location.pathname,
                y: window.scrollY,
                name: active && active.name ? active.name : "",
                caret: active && typeof active.selectionStart === "number" ? active.selectionStart : null,
            }));
        }
        function restore() {
            const raw = sessionStorage.getItem(STORE + "restore");
            sessionStorage.removeItem(STORE + "restore");
            if (!raw) { return; }
            const saved = JSON.parse(raw);
            if (saved.path !== location.pathname) { return; }
            window.scrollTo(0, saved.y);
            const field = saved.name && form.querySelector('[name="' + CSS.escape(saved.name) + '"]');
            if (field) {
                field.focus({preventScroll: true});
                if (saved.caret !== null && field.setSelectionRange) {
                    field.setSelectionRange(saved.caret, saved.caret);
                }
            }
        }
        form.addEventListener("input", changed);
        form.addEventListener("change", changed);
        form.addEventListener("submit", function () { submitting = true; autosave.cancel(); });
        window.addEventListener("beforeunload", function (e) {
            if ((dirty || saving) && !submitting) {
                e.preventDefault();
                e.returnValue = "";
            }
        });
        // django-nested-admin announces a mutation on the submit of every form on the page,
        // the workflow panel's too: that is no change to the issue, and leaving the page
        // for that panel's action must not ask about unsaved changes.
        let formSubmitting = false;
        document.addEventListener("submit", function () {
            formSubmitting = true;
            setTimeout(() => { formSubmitting = false; }, 0);
        }, true);
        if ($) {
            $(document).on("djnesting:mutate formset:added formset:removed", function () {
                enhanceAll();
                if (!formSubmitting) { changed(); }
            });
        }

        enhanceAll();
        buildToc();
        restore();
        if (!dirty && Array.from(form.elements).some(notAsSent)) {
            // Typed while the page was still loading, before the listeners above.
            changed();
        } else {
            refreshPreview();
        }
    });
})();
