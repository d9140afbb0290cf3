import { inputFiles } from "@web/../tests/utils";
import { registry } from "@web/core/registry";

// A small PNG made in the browser: the photo the doctor adds to the answer.
async function photo() {
    const canvas = document.createElement("canvas");
    canvas.width = 40;
    canvas.height = 30;
    const context = canvas.getContext("2d");
    context.fillStyle = "#d33";
    context.fillRect(0, 0, 40, 30);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
    return new File([blob], "rash-care.png", { type: "image/png" });
}

// The doctor's phone (375 px): open the question waiting in My Questions,
// see the patient's photo, answer with text and an image; the answer is in
// the conversation at once.
registry.category("web_tour.tours").add("ihospital_consultation_reply", {
    url: "/odoo/action-ihospital_staff.ihospital_consultation_action_inbox",
    steps: () => [
        {
            content: "The question waits first, overdue, with its image count",
            trigger:
                ".o_kanban_record:first:has(.o_ihospital_overdue):has(.o_ihospital_image_count):contains(Tour rash question)",
        },
        {
            content: "Open it",
            trigger: ".o_kanban_record:contains(Tour rash question)",
            run: "click",
        },
        {
            content: "The patient's photo as a thumbnail",
            trigger: ".o_ihospital_thumbnails .o_ihospital_thumbnail img",
            run: "click",
        },
        {
            content: "It opens full size",
            trigger: ".o-FileViewer img",
        },
        {
            content: "Close the viewer",
            trigger: ".o-FileViewer [aria-label='Close'], .o-FileViewer .fa-times",
            run: "click",
        },
        {
            content: "Write the answer",
            trigger: ".o_ihospital_reply textarea.o_ihospital_reply_body",
            run: "edit Apply the cream twice a day and send a photo in three days.",
        },
        {
            content: "Add a photo through the composer's file input",
            trigger: ".o_ihospital_reply .o_ihospital_reply_add_images",
            async run() {
                await inputFiles(".o_ihospital_reply input.o_ihospital_reply_file", [await photo()]);
            },
        },
        {
            content: "The photo is ready to go",
            trigger: ".o_ihospital_reply .o_ihospital_reply_images img[alt='rash-care.png']",
        },
        {
            content: "Send it to the patient",
            trigger: ".o_ihospital_reply .o_ihospital_reply_send:enabled",
            run: "click",
        },
        {
            content: "The answer is in the conversation, with its image",
            trigger: ".o-mail-Message:contains(Apply the cream twice a day) .o-mail-AttachmentImage img",
        },
    ],
});
