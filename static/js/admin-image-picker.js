/*
 * The image picker: a raw-id input whose label shows the chosen image's thumbnail.
 * When the value changes (lookup popup, "add another" upload, or typing an id), fetch
 * the new image's thumbnail from the picker-preview endpoint and redraw the label.
 */
"use strict";
(function ($) {
    function labelFor(input) {
        const container = input.parentElement;
        let strong = container.querySelector(":scope > strong");
        if (!strong) {
            strong = document.createElement("strong");
            container.appendChild(strong);
        }
        return strong;
    }

    function render(input, image) {
        const strong = labelFor(input);
        strong.replaceChildren();
        if (!image) {
            return;
        }
        const link = document.createElement("a");
        link.href = image.change_url;
        const preview = document.createElement("span");
        preview.className = "image-picker-preview";
        const img = document.createElement("img");
        img.className = "admin-thumbnail";
        img.src = image.thumbnail_url;
        img.alt = image.alt_text;
        img.width = 120;
        if (image.width && image.height) {
            img.height = Math.round((120 * image.height) / image.width);
        }
        const alt = document.createElement("span");
        alt.className = "image-picker-alt";
        alt.textContent = image.alt_text;
        preview.append(img, alt);
        link.append(preview);
        strong.append(link);
    }

    function refresh(input) {
        const id = input.value.trim();
        const url = input.dataset.previewUrl;
        if (!id || !url) {
            render(input, null);
            return;
        }
        fetch(url + "?id=" + encodeURIComponent(id), {credentials: "same-origin"})
            .then(function (response) {
                return response.ok ? response.json() : null;
            })
            .then(function (image) {
                // Ignore answers that arrive after the value changed again.
                if (input.value.trim() === id) {
                    render(input, image);
                }
            })
            .catch(function () {
                render(input, null);
            });
    }

    // jQuery, not addEventListener: the admin's popups announce a new value with
    // $(input).trigger("change"), which native listeners never see.
    $(document).on("change", "input.image-picker", function () {
        refresh(this);
    });
})(django.jQuery);
