package io.chain429.e2e;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link io.chain429.e2e.simulator.ProviderSimulator} field that {@link GatewayExtension} starts before each test and
 * closes after it, named after the field unless a name is given (the name shows in its completions: "hello from first").
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@interface Simulated {

    /** The simulator's name; the field's name when empty. */
    String value() default "";
}
