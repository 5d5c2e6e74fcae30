package io.chain429.ops;

import java.util.Map;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.StandardMBean;

/** An MXBean with descriptions, for the console's tooltips, and its operations marked as actions. */
final class DescribedMBean extends StandardMBean {

    private final String description;
    private final Map<String, String> descriptions;

    /** @param descriptions by attribute or operation name */
    <T> DescribedMBean(T implementation, Class<T> mxbeanInterface, String description, Map<String, String> descriptions) {
        super(implementation, mxbeanInterface, true);
        this.description = description;
        this.descriptions = descriptions;
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return description;
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return descriptions.getOrDefault(info.getName(), info.getDescription());
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return descriptions.getOrDefault(info.getName(), info.getDescription());
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return MBeanOperationInfo.ACTION;
    }
}
