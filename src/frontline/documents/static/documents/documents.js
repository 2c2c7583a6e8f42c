// Document center: "Use" a translation-memory suggestion fills the segment's field.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("button[data-fill]");
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute("data-fill"));
  if (field) {
    field.value = button.getAttribute("data-text");
    field.focus();
  }
});
