// Progressive enhancements only: every page works without this file.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  const isInput = field.matches("input, textarea");
  try {
    await navigator.clipboard.writeText(isInput ? field.value : field.textContent);
    if (status) status.textContent = "Copied";
  } catch {
    if (isInput) field.select();
    else window.getSelection().selectAllChildren(field);
    if (status) status.textContent = "Press Ctrl+C to copy";
  }
});

function revealCopyButtons() {
  if (!navigator.clipboard) return;
  document.querySelectorAll("[data-copy][hidden]").forEach((button) => { button.hidden = false; });
}
document.addEventListener("DOMContentLoaded", revealCopyButtons);
document.addEventListener("htmx:afterSettle", revealCopyButtons);

// After "Show my recommendation" updates the page in place, take keyboard and screen reader users to the
// result, as the page load without JavaScript would; answering a question leaves the focus where it is.
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.requestConfig?.triggeringEvent?.type !== "submit") return;
  const result = document.querySelector("#result, #result-notice");
  if (!result) return;
  result.focus({ preventScroll: true });
  result.scrollIntoView({ block: "start" }); // focus alone would center the tall result, hiding its verdict
});
