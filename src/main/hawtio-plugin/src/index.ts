import { HawtioPlugin, hawtio } from '@hawtio/react'
import { ChainView } from './ChainView'

/**
 * The entry function Hawtio calls (pluginEntry 'plugin' of the hawtio:type=plugin,name=429chain MBean). The view comes
 * first in the navigation, so the console opens on it after login.
 */
export const plugin: HawtioPlugin = () => {
  hawtio.addPlugin({
    id: '429chain',
    title: '429chain',
    path: '/429chain',
    order: -1,
    component: ChainView,
    isActive: async () => true,
  })
}
