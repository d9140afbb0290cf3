import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * Booking page: keeps the numbers' availability live while the patient
 * chooses (another patient may take one meanwhile).
 */
publicWidget.registry.IhospitalBookingSlots = publicWidget.Widget.extend({
    selector: ".o_ihospital_book_form",

    start() {
        this.slotsUrl = `/my/book/${this.el.dataset.scheduleId}/slots`;
        this.timer = setInterval(() => this._refresh(), 10000);
        return this._super(...arguments);
    },

    destroy() {
        clearInterval(this.timer);
        this._super(...arguments);
    },

    async _refresh() {
        const response = await fetch(this.slotsUrl, { headers: { Accept: "application/json" } });
        if (!response.ok) {
            return;
        }
        for (const slot of await response.json()) {
            const input = this.el.querySelector(`input[name="slot_id"][value="${slot.id}"]`);
            if (!input) {
                continue;
            }
            input.disabled = !slot.free;
            if (!slot.free) {
                input.checked = false;
            }
            input.nextElementSibling?.classList.toggle("o_ihospital_slot_taken", !slot.free);
        }
    },
});
