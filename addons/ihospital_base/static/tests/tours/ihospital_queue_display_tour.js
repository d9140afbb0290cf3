import { registry } from "@web/core/registry";

async function callNext() {
    const card = document.querySelector(".o_queue_card");
    const response = await fetch("/web/dataset/call_kw/ihospital.schedule/action_call_next", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
            jsonrpc: "2.0",
            method: "call",
            params: {
                model: "ihospital.schedule",
                method: "action_call_next",
                args: [[parseInt(card.dataset.scheduleId, 10)]],
                kwargs: {},
            },
        }),
    });
    const result = await response.json();
    if (result.error) {
        throw new Error(result.error.data.message);
    }
}

registry.category("web_tour.tours").add("ihospital_queue_display_live", {
    steps: () => [
        {
            content: "Nobody is called yet; two patients wait",
            trigger: ".o_queue_card .o_queue_current:contains(-)",
        },
        {
            trigger: ".o_queue_card .o_queue_waiting:contains(2)",
        },
        {
            content: "The nurse calls the next patient (from another screen)",
            trigger: ".o_queue_card",
            run: callNext,
        },
        {
            content: "The screen shows number 1 without reloading",
            trigger: ".o_queue_card .o_queue_current:contains(1)",
        },
        {
            trigger: ".o_queue_card .o_queue_next:contains(2)",
        },
    ],
});
