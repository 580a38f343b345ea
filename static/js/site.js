// A wide table scrolls sideways inside the text column; make it reachable by keyboard.
document.querySelectorAll("main table").forEach(function (table) {
  if (table.scrollWidth > table.clientWidth) table.tabIndex = 0;
});
