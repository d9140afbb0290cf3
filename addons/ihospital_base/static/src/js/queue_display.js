import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * Waiting-room screen: follows the department's queue channel on the bus and
 * redraws a clinic's card on every update. A slow full refresh from the JSON
 * state route covers a screen that lost its connection.
 */
publicWidget.registry.IhospitalQueueDisplay = publicWidget.Widget.extend({
    selector: ".o_ihospital_queue_display",

    start() {
        const departmentId = this.el.dataset.departmentId;
        this.room = this.el.dataset.room || "";
        this.bus = this.bindService("bus_service");
        this.bus.addChannel(`ihospital_queue_department_${departmentId}`);
        this.bus.subscribe("ihospital_queue/update", (payload) => this._update(payload));
        const seconds = parseInt(this.el.dataset.refreshSeconds || "60", 10);
        this.stateUrl = `/ihospital/queue/${departmentId}/state?room=${encodeURIComponent(this.room)}`;
        this.timer = setInterval(() => this._refresh(), seconds * 1000);
        return this._super(...arguments);
    },

    destroy() {
        clearInterval(this.timer);
        this._super(...arguments);
    },

    async _refresh() {
        const response = await fetch(this.stateUrl);
        if (response.ok) {
            for (const payload of await response.json()) {
                this._update(payload);
            }
        }
    },

    _update(payload) {
        if (this.room && payload.room !== this.room) {
            return;
        }
        const card = this.el.querySelector(`.o_queue_card[data-schedule-id="${payload.schedule_id}"]`);
        if (!card) {
            // a clinic that opened after the page was loaded
            window.location.reload();
            return;
        }
        card.querySelector(".o_queue_current").textContent = payload.current_number || "-";
        card.querySelector(".o_queue_patient").textContent = payload.current_patient || "";
        card.querySelector(".o_queue_next").textContent = payload.next_numbers.join(" ") || "-";
        card.querySelector(".o_queue_waiting").textContent = payload.waiting_count;
    },
});
