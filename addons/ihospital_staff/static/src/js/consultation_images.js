/** @odoo-module **/
/* The images of a patient's question as thumbnails that open full size
 * (Odoo's file viewer: zoom, rotate, next), for a phone screen. */
import { Component } from "@odoo/owl";
import { FileModel } from "@web/core/file_viewer/file_model";
import { useFileViewer } from "@web/core/file_viewer/file_viewer_hook";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

export class ImageThumbnails extends Component {
    static template = "ihospital_staff.ImageThumbnails";
    static props = { ...standardFieldProps };

    setup() {
        this.fileViewer = useFileViewer();
    }

    get files() {
        return this.props.record.data[this.props.name].records.map((record) =>
            Object.assign(new FileModel(), {
                id: record.resId,
                name: record.data.name,
                filename: record.data.name,
                mimetype: record.data.mimetype,
                checksum: record.data.checksum,
            })
        );
    }

    open(file, files) {
        this.fileViewer.open(file, files);
    }
}

registry.category("fields").add("ihospital_image_thumbnails", {
    component: ImageThumbnails,
    relatedFields: [
        { name: "name", type: "char" },
        { name: "mimetype", type: "char" },
        { name: "checksum", type: "char" },
    ],
});
