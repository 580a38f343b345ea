/*
 * django-markdownx wires up every `.markdownx` editor once, on DOMContentLoaded, and keeps
 * its MarkdownX class inside its bundle. Django admin's inline formsets clone a hidden
 * template row for "Add another", so new rows would get a dead editor: a copy of the
 * template's, marked as initialised but without listeners.
 *
 * So: the templates are marked as initialised before markdownx runs (this file loads
 * first), and when a row is added, its editors are unmarked and the markdownx bundle is
 * run again, which initialises exactly the editors not yet initialised.
 */
"use strict";
(function () {
    const INIT = "data-markdownx-init";

    function editorsIn(root) {
        return root.querySelectorAll(".markdownx .markdownx-editor");
    }

    function markdownxScript() {
        return document.querySelector('script[src*="markdownx/js/markdownx"]');
    }

    function rerunMarkdownx() {
        const current = markdownxScript();
        if (!current) {
            return;
        }
        const script = document.createElement("script");
        script.src = current.src;
        document.head.appendChild(script);
    }

    document.addEventListener("DOMContentLoaded", function () {
        document.querySelectorAll(".empty-form").forEach(function (template) {
            editorsIn(template).forEach(function (editor) {
                editor.setAttribute(INIT, "");
            });
        });
    });

    document.addEventListener("formset:added", function (event) {
        const editors = editorsIn(event.target);
        if (!editors.length) {
            return;
        }
        editors.forEach(function (editor) {
            editor.removeAttribute(INIT);
            const preview = editor.parentElement.querySelector(".markdownx-preview");
            if (preview) {
                preview.replaceChildren();
            }
        });
        rerunMarkdownx();
    });
})();
